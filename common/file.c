/* file.c - reading a whole file, with a cap. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum lg_status lg_read_file(const char *path, size_t max, struct lg_buf *out, struct lg_err *err)
{
	struct stat sb;
	int fd;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return lg_err_set(err, errno == ENOENT ? LG_ENOINPUT : LG_EIO, "%s: %s", path,
				  strerror(errno));
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		return lg_err_set(err, LG_ENOINPUT, "%s: is a directory", path);
	}
	lg_buf_reset(out);
	for (;;) {
		lg_buf_grow(out, 1 << 16);
		ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return lg_err_set(err, LG_EIO, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len > max) {
			close(fd);
			return lg_err_set(err, LG_EDATA, "%s: larger than %zu MiB", path, max >> 20);
		}
	}
	close(fd);
	return LG_OK;
}
