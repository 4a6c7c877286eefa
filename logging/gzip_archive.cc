#include "logging/gzip_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/new_file.h"

namespace ccproxy::logging {
namespace {

std::string errno_text(const std::string& what, const std::filesystem::path& p, int err) {
  return what + " " + p.string() + ": " + std::strerror(err);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

bool write_all(int fd, const unsigned char* data, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

/// Hands what deflate makes of its input so far (all of it, with Z_FINISH) to `out`. "" when
/// done, else why not.
std::string drain_deflate(z_stream& z, int flush, std::vector<unsigned char>& obuf, int out,
                          const std::filesystem::path& tmp) {
  do {
    z.next_out = obuf.data();
    z.avail_out = static_cast<uInt>(obuf.size());
    int rc = deflate(&z, flush);
    if (rc == Z_STREAM_ERROR) {
      return "zlib: deflate failed";
    }
    std::size_t have = obuf.size() - z.avail_out;
    if (!write_all(out, obuf.data(), have)) {
      return errno_text("cannot write", tmp, errno);
    }
  } while (z.avail_out == 0);
  return "";
}

/// Compresses all of `in` (the archive) into `out` (the temporary file) as gzip. "" when done,
/// else why not ("cancelled" once *cancel became true).
std::string gzip_stream(int in, const std::filesystem::path& archive, int out,
                        const std::filesystem::path& tmp, const std::atomic<bool>* cancel) {
  z_stream z{};
  // windowBits 15 + 16: gzip wrapper (readable by gzip, zcat, zless).
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return "zlib: deflateInit2 failed";
  }
  std::vector<unsigned char> ibuf(1 << 16);
  std::vector<unsigned char> obuf(1 << 16);
  bool eof = false;
  std::string error;
  while (!eof && error.empty()) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      error = "cancelled";
      break;
    }
    ssize_t r = ::read(in, ibuf.data(), ibuf.size());
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      error = errno_text("cannot read", archive, errno);
      break;
    }
    eof = r == 0;
    z.next_in = ibuf.data();
    z.avail_in = static_cast<uInt>(r);
    error = drain_deflate(z, eof ? Z_FINISH : Z_NO_FLUSH, obuf, out, tmp);
  }
  deflateEnd(&z);
  return error;
}

/// Gives the temporary file the archive's times (the age of an archive is its mtime, and the
/// .gz keeps the plain file's), then puts it on disk and closes it. "" when done.
std::string seal(Fd& out, const struct stat& archive_stat, const std::filesystem::path& tmp) {
  struct timespec times[2] = {archive_stat.st_atim, archive_stat.st_mtim};
  ::futimens(out.get(), times);
  if (::fsync(out.get()) != 0) {
    return errno_text("cannot fsync", tmp, errno);
  }
  if (::close(out.release()) != 0) {
    return errno_text("cannot close", tmp, errno);
  }
  return "";
}

/// Makes a rename in the archive's directory durable.
void sync_directory_of(const std::filesystem::path& archive) {
  Fd dirfd(::open(archive.parent_path().empty() ? "." : archive.parent_path().c_str(),
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirfd.get() >= 0) {
    ::fsync(dirfd.get());
  }
}

}  // namespace

Result<void, std::string> compress_archive(const std::filesystem::path& archive,
                                           const std::atomic<bool>* cancel) {
  Fd in(::open(archive.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (in.get() < 0) {
    if (errno == ENOENT) {
      return {};
    }
    return fail(errno_text("cannot open", archive, errno));
  }
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) {
    return fail(errno_text("cannot stat", archive, errno));
  }
  std::filesystem::path gz = archive;
  gz += ".gz";
  std::filesystem::path tmp = archive;
  tmp += ".gz.tmp";
  Fd out(create_new_file(tmp, 0600));
  if (out.get() < 0) {
    return fail(errno_text("cannot create", tmp, errno));
  }
  std::string error = gzip_stream(in.get(), archive, out.get(), tmp, cancel);
  if (error.empty()) {
    error = seal(out, st, tmp);
  }
  if (error.empty() && ::rename(tmp.c_str(), gz.c_str()) != 0) {
    error = errno_text("cannot rename", tmp, errno);
  }
  if (!error.empty()) {
    ::unlink(tmp.c_str());  // the plain archive stays
    return fail(std::move(error));
  }
  // The rename is durable before the plain copy goes.
  sync_directory_of(archive);
  if (::unlink(archive.c_str()) != 0 && errno != ENOENT) {
    return fail(errno_text("cannot remove", archive, errno));
  }
  return {};
}

}  // namespace ccproxy::logging
