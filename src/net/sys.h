/* The platform's socket headers, in one place (issue 14): Winsock 2 on Windows, the BSD socket
 * headers elsewhere. With net/sock.h's functions, the rest of the tree never names a platform:
 * this header and the *_posix.c / *_win.c files are the only places that may test _WIN32
 * (tests/layers.sh checks it). */
#ifndef VPNDIAG_NET_SYS_H
#define VPNDIAG_NET_SYS_H

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <sys/types.h> /* ssize_t */
typedef unsigned short sa_family_t;
/* mingw's errno.h has the POSIX socket errors that net_*_win.c maps Winsock's onto, but this one. */
#ifndef EHOSTDOWN
#define EHOSTDOWN 10064 /* WSAEHOSTDOWN's number: never a C library errno */
#endif
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#endif

#endif
