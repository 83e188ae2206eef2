# Run by CPack on its staging tree before it packs it (CPACK_PRE_BUILD_SCRIPTS):
# drop the compiler's .comment section from the programs and the library, as
# Debian's dh_strip does; strip(1), which CPack runs, leaves it.
file(GLOB_RECURSE fx_objects
  "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/bin/*"
  "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(object IN LISTS fx_objects)
  execute_process(COMMAND "${CPACK_FX_OBJCOPY}" --remove-section=.comment "${object}"
                  COMMAND_ERROR_IS_FATAL ANY)
endforeach()
