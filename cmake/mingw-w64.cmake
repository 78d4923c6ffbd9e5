# CMake toolchain file for the Windows build (issue 14): x86_64 mingw-w64 from Debian, static
# linking, libraries found only under the deps prefix that tools/win-deps.sh builds (OpenSSL
# and json-c from Debian's source packages). Use:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
# The prefix is VPNDIAG_WIN_PREFIX (cache variable or environment variable), default
# build-win/deps/prefix next to this file's folder.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_vpndiag_triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_vpndiag_triple}-gcc-posix) # the posix thread model: winpthread (static)
set(CMAKE_CXX_COMPILER ${_vpndiag_triple}-g++-posix)
set(CMAKE_RC_COMPILER ${_vpndiag_triple}-windres)
set(CMAKE_AR ${_vpndiag_triple}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${_vpndiag_triple}-ranlib CACHE FILEPATH "")

if(NOT VPNDIAG_WIN_PREFIX)
  if(DEFINED ENV{VPNDIAG_WIN_PREFIX})
    set(VPNDIAG_WIN_PREFIX "$ENV{VPNDIAG_WIN_PREFIX}")
  else()
    get_filename_component(VPNDIAG_WIN_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../build-win/deps/prefix" ABSOLUTE)
  endif()
endif()
# try_compile projects re-read this file: pass the prefix on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VPNDIAG_WIN_PREFIX)

# Look for libraries and headers only in the mingw sysroot and the deps prefix, never in
# the host's /usr; programs (cmake, perl, wine) only on the host.
set(CMAKE_FIND_ROOT_PATH /usr/${_vpndiag_triple} "${VPNDIAG_WIN_PREFIX}")
set(CMAKE_PREFIX_PATH "${VPNDIAG_WIN_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} "${VPNDIAG_WIN_PREFIX}/lib/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")

# Static: only .a archives are found; gcc's and winpthread's runtimes are linked in, so the
# .exe imports nothing but system DLLs.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "")
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")

# ctest runs the .exe tests through Wine.
find_program(VPNDIAG_WINE wine)
if(VPNDIAG_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${VPNDIAG_WINE}")
endif()
