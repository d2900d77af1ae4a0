// Boost.JSON compiled header-only into opora, so libopora.so needs no Boost
// library at run time and no Boost symbol is exported (see cmake/opora.map).
#include <boost/json/src.hpp>
