// Boost.JSON compiled header-only into the mock 1C platform: the one
// translation unit that includes its sources.
#include <boost/json/src.hpp>
