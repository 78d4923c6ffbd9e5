/* The platform's address families, socket address structs, byte-order and address-text functions
 * (AF_INET6, struct sockaddr_in6, htons, inet_ntop, inet_pton), for the layers below net/ that
 * only name addresses and never open a socket (wire, crypto, rules). A platform header: it and
 * the *_posix.c / *_win.c files are the only places that test the platform (tests/layers.sh). */
#ifndef VPNDIAG_UTIL_INET_H
#define VPNDIAG_UTIL_INET_H

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

#endif
