# biomech_unity_groups(<target> <groups> <source>...): compile <target> as a unity build of
# <groups> translation units (one per core of a small machine). Every source includes Eigen and
# the same headers: in a unity build their templates and inline functions are instantiated,
# optimised and emitted once per group instead of once per file. The groups are balanced by file
# size, largest file first into the lightest group, so that -j<groups> ends them together.
# Files must not clash at file scope (helpers in anonymous namespaces need distinct names).
# -DCMAKE_UNITY_BUILD=OFF turns it off (one object per file, as for editing one file at a time).
function(biomech_unity_groups target groups)
  if(DEFINED CMAKE_UNITY_BUILD AND NOT CMAKE_UNITY_BUILD)
    return()
  endif()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  set(_by_size)
  foreach(_src IN LISTS ARGN)
    file(SIZE ${_src} _size)
    list(APPEND _by_size "${_size}|${_src}")
  endforeach()
  list(SORT _by_size COMPARE NATURAL ORDER DESCENDING)
  set(_totals)
  foreach(_g RANGE 1 ${groups})
    list(APPEND _totals 0)
  endforeach()
  foreach(_entry IN LISTS _by_size)
    string(REPLACE "|" ";" _entry "${_entry}")
    list(GET _entry 0 _size)
    list(GET _entry 1 _src)
    # the lightest group so far
    set(_best 0)
    list(GET _totals 0 _best_total)
    set(_i 0)
    foreach(_total IN LISTS _totals)
      if(_total LESS _best_total)
        set(_best ${_i})
        set(_best_total ${_total})
      endif()
      math(EXPR _i "${_i} + 1")
    endforeach()
    math(EXPR _best_total "${_best_total} + ${_size}")
    list(REMOVE_AT _totals ${_best})
    list(INSERT _totals ${_best} ${_best_total})
    set_source_files_properties(${_src} PROPERTIES UNITY_GROUP ${target}_${_best})
  endforeach()
endfunction()
