# CPACK_PRE_BUILD_SCRIPTS: runs after CPack's install, before the packages are made. Static archives carry no
# build id, so CPack's -dbgsym split leaves them as built; strip them here with the options dh_strip uses for
# Debian's -dev packages: debug sections and .comment/.note go (.note.GNU-stack stays). The SDK archives shrink
# from ~180 MB to ~11 MB.
file(GLOB_RECURSE _archives LIST_DIRECTORIES false "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.a")
foreach(_a IN LISTS _archives)
  execute_process(COMMAND strip --strip-debug --remove-section=.comment --remove-section=.note
                          --enable-deterministic-archives "${_a}" RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "strip --strip-debug ${_a} failed (${_rc})")
  endif()
endforeach()
