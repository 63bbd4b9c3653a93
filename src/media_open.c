/* A viewer for a photo: the copy it reads is written like an export (0600, never over an
 * existing file) into a mkdtemp folder of its own, so no other user can read it and nothing
 * of it stays once the console leaves. xdg-open is used only with a local display: over SSH
 * it would start a viewer on nobody's screen (or fail silently), so the caller saves instead. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "src/media.h"
#include "src/media_open.h"
#include "src/util.h"

static char **open_dirs; /* folders made by media_open, removed by media_open_cleanup */
static size_t n_open_dirs;

/* Whether a variable is set and not empty. */
static bool set(const char *(*get)(const char *), const char *name)
{
	const char *v = get(name);
	return v != NULL && *v != '\0';
}

static const char *env_get(const char *name)
{
	return getenv(name);
}

/* Whether an executable named name is on $PATH. */
static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path != NULL ? path : "/usr/bin:/bin"), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d != NULL && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

enum media_opener media_opener_pick(const char *(*get)(const char *name), const char **why)
{
	if (get == NULL)
		get = env_get;
	*why = NULL;
	if (set(get, "SMSDESK_VIEWER"))
		return MEDIA_OPEN_VIEWER;
	if (set(get, "SSH_CONNECTION") || set(get, "SSH_CLIENT") || set(get, "SSH_TTY")) {
		*why = "opening needs a local display: this session runs over SSH";
		return MEDIA_OPEN_NONE;
	}
	if (!set(get, "DISPLAY") && !set(get, "WAYLAND_DISPLAY")) {
		*why = "opening needs a local display: there is none (no DISPLAY or WAYLAND_DISPLAY)";
		return MEDIA_OPEN_NONE;
	}
	if (!on_path("xdg-open")) {
		*why = "opening needs xdg-open (xdg-utils), which is not installed";
		return MEDIA_OPEN_NONE;
	}
	return MEDIA_OPEN_XDG;
}

/* A new private folder for one copy (in $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp). */
static char *private_dir(char **err)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	if (base == NULL || *base != '/')
		base = getenv("TMPDIR");
	if (base == NULL || *base != '/')
		base = "/tmp";
	char *dir = xasprintf("%s/smsdesk-open-XXXXXX", base);
	if (mkdtemp(dir) == NULL) { /* mkdtemp makes it 0700 */
		seterr(err, "cannot create a private folder in %s: %s", base, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* Starts the viewer on path, detached (double fork: no zombie, no wait), its output away from
 * the console's screen. 0, or -1 when it could not be started. */
static int spawn(enum media_opener how, const char *path)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		/* the shared install's group must not reach the viewer (its environment is cleaned, so
		 * it is not started there; this holds should that change) */
		gid_t g = getgid();
		if (setresgid(g, g, g) != 0)
			_exit(126);
		pid_t again = fork();
		if (again != 0)
			_exit(again > 0 ? 0 : 126);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0), dup2(null, 1), dup2(null, 2);
		}
		if (how == MEDIA_OPEN_VIEWER) /* the user's own command line, the file as its "$1" */
			execl("/bin/sh", "sh", "-c", "exec $SMSDESK_VIEWER \"$1\"", "smsdesk-viewer", path, (char *)NULL);
		else
			execlp("xdg-open", "xdg-open", path, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int media_open(struct store *s, const struct vault *v, int64_t media_id, int64_t user_id, const char *actor,
	       char **path_out, char **err)
{
	const char *why = NULL;
	enum media_opener how = media_opener_pick(NULL, &why);
	*path_out = NULL;
	if (how == MEDIA_OPEN_NONE)
		return seterr(err, "%s", why);
	char *dir = private_dir(err);
	if (dir == NULL)
		return -1;
	open_dirs = xrealloc(open_dirs, (n_open_dirs + 1) * sizeof *open_dirs);
	open_dirs[n_open_dirs++] = dir;
	if (media_export_as(s, v, media_id, dir, user_id, actor, "media.open", path_out, err) != 0)
		return -1;
	if (spawn(how, *path_out) != 0) {
		seterr(err, "the viewer could not be started");
		return -1;
	}
	return 0;
}

/* Removes the files of one folder (flat: media_open writes no subfolders), then it. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

void media_open_cleanup(void)
{
	for (size_t i = 0; i < n_open_dirs; i++) {
		remove_dir(open_dirs[i]);
		free(open_dirs[i]);
	}
	free(open_dirs);
	open_dirs = NULL;
	n_open_dirs = 0;
}
