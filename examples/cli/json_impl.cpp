// Boost.JSON compiled header-only into the CLI: this is the one translation
// unit that includes its sources.
#include <boost/json/src.hpp>
