# Install rules: the programs with their manual pages and bash completion,
# and the library as a library (header, pkg-config file, CMake package), so
# that cmake --install and the Debian package put the same files in place.

install(TARGETS fsend frecv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Manual pages gzipped, as Debian policy wants them (man reads either form);
# plain where there is no gzip.  -n keeps the name and time out of the gzip
# header, so a page always compresses to the same bytes.
find_program(GZIP_PROGRAM gzip)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/man)
set(fx_man_pages "")
foreach(page IN ITEMS fsend.1 frecv.1)
  if(GZIP_PROGRAM)
    add_custom_command(OUTPUT man/${page}.gz
      COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/man/${page} man/${page}
      COMMAND ${GZIP_PROGRAM} -9nf man/${page}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/man/${page}
      VERBATIM)
    list(APPEND fx_man_pages ${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz)
  else()
    list(APPEND fx_man_pages ${CMAKE_CURRENT_SOURCE_DIR}/man/${page})
  endif()
endforeach()
add_custom_target(man_pages ALL DEPENDS ${fx_man_pages})
install(FILES ${fx_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# One script serves both programs; bash-completion looks for a file named
# after the command, so it goes in twice.
set(fx_completion_dir ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
foreach(program IN ITEMS fsend frecv)
  install(FILES completion/fxfer.bash DESTINATION ${fx_completion_dir} RENAME ${program})
endforeach()

# Example systemd units for running fsend as a service, as documentation:
# installed, never enabled (fsend(1), RUNNING AS A SERVICE).
install(FILES packaging/systemd/fsend.socket packaging/systemd/fsend.service
              packaging/systemd/fsend-inetd.socket packaging/systemd/fsend-inetd@.service
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The library, its header and the CMake package: find_package(fxfer) gives
# the imported target fxfer::fxfer, which carries the include directory and
# the PUBLIC definitions (_POSIX_C_SOURCE) to the consumer.
install(TARGETS fxfer EXPORT fxferTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/fxfer.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(fx_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/fxfer)
install(EXPORT fxferTargets NAMESPACE fxfer:: DESTINATION ${fx_cmake_dir})
include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/fxferConfig.cmake.in fxferConfig.cmake
  INSTALL_DESTINATION ${fx_cmake_dir})
# A static library of one architecture: the version file also refuses a
# consumer of another pointer size.
write_basic_package_version_file(fxferConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fxferConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/fxferConfigVersion.cmake
        DESTINATION ${fx_cmake_dir})

# fxfer.pc: its Cflags are the target's PUBLIC definitions, so the two routes
# cannot drift apart.  It finds its prefix from where it lies (pcfiledir), so
# it is right whatever prefix the tree goes to (cmake --install --prefix,
# the package's /usr, a DESTDIR), as the CMake package is.
get_target_property(fx_pc_defs fxfer INTERFACE_COMPILE_DEFINITIONS)
if(NOT fx_pc_defs)
  set(fx_pc_defs "")
endif()
list(TRANSFORM fx_pc_defs PREPEND -D)
list(JOIN fx_pc_defs " " fx_pc_cflags)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  # Directories configured as absolute paths do not move with the prefix.
  set(fx_pc_prefix "${CMAKE_INSTALL_PREFIX}")
  set(fx_pc_libdir "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(fx_pc_includedir "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH fx_pc_up /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
  string(REGEX REPLACE "/$" "" fx_pc_up "${fx_pc_up}")
  set(fx_pc_prefix "\${pcfiledir}/${fx_pc_up}")
  set(fx_pc_libdir "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(fx_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/fxfer.pc.in fxfer.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/fxfer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
