# The agent as an SDK (docs/sdk.md): `cmake --install` (component "dev") installs redline::agent, the static
# libraries it links (redline::core, redline::exposition, redline::metrics_proto), the public headers only, and
# the CMake package RedlineAgent, so a service does
#   find_package(RedlineAgent CONFIG REQUIRED)
#   target_link_libraries(myapi PRIVATE redline::agent)
include(CMakePackageConfigHelpers)

set(REDLINE_SDK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/RedlineAgent)
set(REDLINE_SDK_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR}/redline)

# The public API: agent.h and what it (transitively) includes, plus the optional load-test service. Everything
# else under agents/agent/ and core/ is internal and not installed. tests/sdk checks that this closure holds
# (each installed header compiles on its own against the installed tree).
set(REDLINE_SDK_AGENT_HEADERS agent.h admin_types.h types.h loadtests.h)
set(REDLINE_SDK_CORE_HEADERS control.h event.h problem.h rollout.h snapshot.h sketch.h window.h)
list(TRANSFORM REDLINE_SDK_AGENT_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/agents/agent/)
list(TRANSFORM REDLINE_SDK_CORE_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/core/)
install(FILES ${REDLINE_SDK_AGENT_HEADERS} DESTINATION ${REDLINE_SDK_INCLUDE_DIR}/agents/agent COMPONENT dev)
install(FILES ${REDLINE_SDK_CORE_HEADERS} DESTINATION ${REDLINE_SDK_INCLUDE_DIR}/core COMPONENT dev)

# An SDK user may build a shared object: the agent archive must be position-independent like its dependencies.
set_target_properties(redline_agent PROPERTIES POSITION_INDEPENDENT_CODE ON)
set_target_properties(redline_agent PROPERTIES EXPORT_NAME agent)
set_target_properties(redline_core PROPERTIES EXPORT_NAME core)
set_target_properties(redline_exposition PROPERTIES EXPORT_NAME exposition)
set_target_properties(redline_metrics_proto PROPERTIES EXPORT_NAME metrics_proto)
set_target_properties(redline_asio PROPERTIES EXPORT_NAME asio)
# redline::asio carries BOOST_ASIO_NO_DEPRECATED and BOOST_BEAST_USE_STD_STRING_VIEW to the user's code: Asio and
# Beast are header-only, and one program must compile them one way (docs/sdk.md "Boost configuration").
install(TARGETS redline_agent redline_core redline_exposition redline_metrics_proto redline_asio
        EXPORT RedlineAgentTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        INCLUDES DESTINATION ${REDLINE_SDK_INCLUDE_DIR})
install(EXPORT RedlineAgentTargets NAMESPACE redline:: DESTINATION ${REDLINE_SDK_CMAKE_DIR} COMPONENT dev)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/cmake/RedlineAgentConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/RedlineAgentConfig.cmake
                              INSTALL_DESTINATION ${REDLINE_SDK_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/RedlineAgentConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/RedlineAgentConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/RedlineAgentConfigVersion.cmake
        DESTINATION ${REDLINE_SDK_CMAKE_DIR} COMPONENT dev)
