#include "common/new_file.h"

#include <fcntl.h>
#include <unistd.h>

namespace ccproxy {

int create_new_file(const std::filesystem::path& path, mode_t mode) {
  ::unlink(path.c_str());
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
}

}  // namespace ccproxy
