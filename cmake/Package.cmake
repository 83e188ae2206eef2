# The Debian package, made by CPack: cmake --workflow --preset package (a
# release build for prefix /usr with Debian's hardening flags, tested, then
# packed into build/package/fxfer_VERSION_ARCH.deb).
#
# One package, fxfer, holds the programs and the library.  Debian splits
# -dev packages off so that programs can depend on a shared library without
# its development files; this library is static, nothing needs it at run
# time, and a separate fxfer-dev would split some 40 KB (library, header,
# pkg-config and CMake files) off a package of 180 KB.
#
# Lintian (2.116, even with -I -E --pedantic) reports nothing on it, so no
# warning is kept; CI fails on any error or warning.  Packed from a tree
# configured for another prefix (plain cpack -G DEB in build/release, whose
# prefix is /usr/local), the library lands in /usr/lib, not the multiarch
# directory, and lintian warns pkg-config-unavailable-for-cross-compilation
# (and notes hardening-no-bindnow, hardening-no-fortify-functions): that is
# what the package preset is for.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fxfer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No real mailbox: .invalid is reserved (RFC 2606) never to resolve, and
# lintian rejects "localhost" as a mail host.
set(CPACK_PACKAGE_CONTACT "fsend maintainers <fsend@maintainers.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "send one file over TCP and know that it arrived")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION [=[
fsend serves a file on a TCP port and frecv fetches it, with the raw
protocol of the classic textbook pair, so either side also works with
netcat.  frecv stores the file atomically and durably before it
acknowledges, and fsend exits 0 only on that acknowledgement.

Also included: the static library libfxfer with its header, a pkg-config
file and a CMake package, for programs that want the same helpers.
]=])
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: on the C library, computed by dpkg-shlibdeps from the programs.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Debian ships stripped programs (lintian: unstripped-binary-or-object),
# without the compiler's .comment (binary-has-unneeded-section).
set(CPACK_STRIP_FILES ON)
if(CMAKE_OBJCOPY)
  set(CPACK_FX_OBJCOPY ${CMAKE_OBJCOPY})
  set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/cmake/PackageStrip.cmake)
endif()
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git" "/build/" "/build-")

# /usr/share/doc/fxfer/copyright, in Debian's machine-readable format, with
# the notice and text of LICENSE (read from there, so they cannot differ).
file(READ ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE fx_licence_text)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS LICENSE)
if(NOT fx_licence_text MATCHES "\nCopyright \\(c\\) ([^\n]+)\n\n(.*[^\n])\n*$")
  message(FATAL_ERROR "LICENSE: no \"Copyright (c)\" line followed by the licence")
endif()
set(fx_copyright "${CMAKE_MATCH_1}")
string(REPLACE "\n\n" "\n.\n" fx_licence "${CMAKE_MATCH_2}")
string(REPLACE "\n" "\n " fx_licence " ${fx_licence}")
configure_file(packaging/copyright.in packaging/copyright @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})

# /usr/share/doc/fxfer/changelog.gz, which Debian wants of a native package.
# Its date honours SOURCE_DATE_EPOCH, for a reproducible package.
string(TIMESTAMP fx_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(packaging/changelog.in packaging/changelog @ONLY)
if(GZIP_PROGRAM)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/packaging/doc)
  add_custom_command(OUTPUT packaging/doc/changelog.gz
    COMMAND ${CMAKE_COMMAND} -E copy packaging/changelog packaging/doc/changelog
    COMMAND ${GZIP_PROGRAM} -9nf packaging/doc/changelog
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog
    VERBATIM)
  add_custom_target(changelog ALL DEPENDS packaging/doc/changelog.gz)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/packaging/doc/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

include(CPack)
