# Fails if engine/ or explain/ sources use exceptions or RTTI, or if their compiled archives
# reference the C++ exception runtime or emit type_info objects.
# Inputs: ROOT (source dir), NM (the nm tool), ARCHIVES (list of static libraries).
set(failures "")
file(GLOB_RECURSE sources ${ROOT}/engine/*.h ${ROOT}/engine/*.cc ${ROOT}/explain/*.h ${ROOT}/explain/*.cc
     ${ROOT}/data/*.h ${ROOT}/data/*.cc)
foreach(f IN LISTS sources)
  file(STRINGS ${f} hits REGEX "(^|[^a-z_])(throw[ ;(]|try *\\{|catch *\\(|dynamic_cast<|typeid *\\()")
  foreach(h IN LISTS hits)
    string(APPEND failures "${f}: ${h}\n")
  endforeach()
endforeach()
foreach(a IN LISTS ARCHIVES)
  execute_process(COMMAND ${NM} -C ${a} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(APPEND failures "${NM} failed on ${a}\n")
  endif()
  string(REGEX MATCHALL "[^\n]*(__cxa_throw|__cxa_begin_catch|__gxx_personality_v0|typeinfo for)[^\n]*"
         bad "${symbols}")
  foreach(b IN LISTS bad)
    string(APPEND failures "${a}: ${b}\n")
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "exceptions or RTTI in the core:\n${failures}")
endif()
message(STATUS "no exceptions or RTTI in engine/ or explain/")
