/*
 * keyring.c -- loading, saving and generating the MAC keys (format: docs/keyring.md).
 *
 * Secrets live in one block of whole pages of their own, locked in memory (never swapped, as
 * far as RLIMIT_MEMLOCK allows) and left out of core dumps (MADV_DONTDUMP), cleansed before
 * it is unmapped; every buffer that held key text on the way in or out is cleansed too, on
 * every exit path.  A keyring path is opened without blocking (a FIFO or device there is
 * refused, not waited on).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <card/keyring.h>
#include "keyring_int.h"
#include "wipe.h"

#define HEADER "# libcard keyring v1"
#define MAX_FILE (64 * 1024)

struct card_keyring {
	unsigned present; /* bit i set: slot i holds a key */
	struct {
		uint8_t key[CARD_KEY_LEN];
		time_t created;
		char label[CARD_LABEL_MAX];
	} slot[CARD_KEY_IDS];
};

/* The keyring's mapping: sizeof(card_keyring) rounded up to whole pages. */
static size_t keyring_map_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;
	return (sizeof(card_keyring) + p - 1) / p * p;
}

card_err card_keyring_new(card_keyring **out)
{
	void *m;
	if (out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	m = mmap(NULL, keyring_map_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	         0);
	if (m == MAP_FAILED)
		return CARD_ERR_NOMEM;
	/* Both best effort: an unprivileged process may lock only RLIMIT_MEMLOCK bytes, and a
	 * kernel without MADV_DONTDUMP still works; neither failure loses a key. */
	(void)mlock(m, keyring_map_size());
	(void)madvise(m, keyring_map_size(), MADV_DONTDUMP);
	*out = m; /* zero-filled */
	return CARD_OK;
}

void card_keyring_free(card_keyring *kr)
{
	if (kr == NULL)
		return;
	card_wipe(kr, sizeof(*kr));
	munlock(kr, keyring_map_size());
	munmap(kr, keyring_map_size());
}

const uint8_t *keyring_key_bytes(const card_keyring *kr, unsigned key_id)
{
	if (kr == NULL || key_id >= CARD_KEY_IDS || !(kr->present & (1u << key_id)))
		return NULL;
	return kr->slot[key_id].key;
}

int card_keyring_has(const card_keyring *kr, unsigned key_id)
{
	return keyring_key_bytes(kr, key_id) != NULL;
}

unsigned card_keyring_count(const card_keyring *kr)
{
	return kr == NULL ? 0 : (unsigned)__builtin_popcount(kr->present);
}

card_err card_keyring_info(const card_keyring *kr, unsigned key_id, card_key_info *out)
{
	if (kr == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	if (!card_keyring_has(kr, key_id))
		return CARD_ERR_KEY_NOT_FOUND;
	out->key_id = key_id;
	out->created = kr->slot[key_id].created;
	memcpy(out->label, kr->slot[key_id].label, sizeof(out->label));
	return CARD_OK;
}

/* Labels are one line of printable text (UTF-8 allowed), shorter than CARD_LABEL_MAX. */
static int label_ok(const char *label)
{
	size_t n = strlen(label);
	if (n >= CARD_LABEL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return 0;
	return 1;
}

static card_err put_key(card_keyring *kr, unsigned key_id, const uint8_t key[CARD_KEY_LEN],
                        const char *label, time_t created)
{
	if (label == NULL)
		label = "";
	if (key_id >= CARD_KEY_IDS || !label_ok(label))
		return CARD_ERR_INVALID_ARG;
	if (kr->present & (1u << key_id))
		return CARD_ERR_KEY_EXISTS;
	memcpy(kr->slot[key_id].key, key, CARD_KEY_LEN);
	kr->slot[key_id].created = created;
	snprintf(kr->slot[key_id].label, CARD_LABEL_MAX, "%s", label);
	kr->present |= 1u << key_id;
	return CARD_OK;
}

card_err card_keyring_import(card_keyring *kr, unsigned key_id, const uint8_t key[CARD_KEY_LEN],
                             const char *label)
{
	if (kr == NULL || key == NULL)
		return CARD_ERR_INVALID_ARG;
	return put_key(kr, key_id, key, label, time(NULL));
}

card_err card_keyring_generate(card_keyring *kr, int key_id, const char *label, unsigned *assigned)
{
	uint8_t key[CARD_KEY_LEN];
	card_err rc;
	unsigned id;

	if (kr == NULL || key_id >= CARD_KEY_IDS)
		return CARD_ERR_INVALID_ARG;
	if (key_id < 0) {
		for (id = 0; id < CARD_KEY_IDS && (kr->present & (1u << id)); id++)
			;
		if (id == CARD_KEY_IDS)
			return CARD_ERR_KEYRING_FULL;
	} else {
		id = (unsigned)key_id;
	}
	/* The OS CSPRNG; getrandom() blocks only until the pool is first seeded. */
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		rc = CARD_ERR_CRYPTO;
		goto out;
	}
	rc = put_key(kr, id, key, label, time(NULL));
	if (rc == CARD_OK && assigned != NULL)
		*assigned = id;
out:
	card_wipe(key, sizeof(key));
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 64 hex digits at hex[0..63]; no surrounding text. */
static card_err hex_to_key(const char *hex, size_t len, uint8_t key[CARD_KEY_LEN])
{
	if (len != 2 * CARD_KEY_LEN)
		return CARD_ERR_INPUT;
	for (size_t i = 0; i < CARD_KEY_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			card_wipe(key, CARD_KEY_LEN);
			return CARD_ERR_INPUT;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return CARD_OK;
}

card_err card_key_from_hex(const char *hex, uint8_t key[CARD_KEY_LEN])
{
	size_t b = 0, e;
	if (hex == NULL || key == NULL)
		return CARD_ERR_INVALID_ARG;
	e = strlen(hex);
	while (b < e && (hex[b] == ' ' || hex[b] == '\t' || hex[b] == '\n' || hex[b] == '\r'))
		b++;
	while (e > b && (hex[e - 1] == ' ' || hex[e - 1] == '\t' || hex[e - 1] == '\n' ||
	                 hex[e - 1] == '\r'))
		e--;
	return hex_to_key(hex + b, e - b, key);
}

/* Parse one "key ..." line (NUL-terminated, no newline) into kr. */
static card_err parse_line(card_keyring *kr, char *line)
{
	uint8_t key[CARD_KEY_LEN];
	char *p = line, *end;
	unsigned long id;
	long long created;
	card_err rc = CARD_ERR_KEYRING_FORMAT;

	if (strncmp(p, "key ", 4) != 0)
		return rc;
	p += 4;
	errno = 0;
	id = strtoul(p, &end, 10);
	if (end == p || *end != ' ' || errno != 0 || id >= CARD_KEY_IDS)
		return rc;
	p = end + 1;
	created = strtoll(p, &end, 10);
	if (end == p || *end != ' ' || errno != 0 || created < 0)
		return rc;
	p = end + 1;
	if (strlen(p) < 2 * CARD_KEY_LEN ||
	    (p[2 * CARD_KEY_LEN] != '\0' && p[2 * CARD_KEY_LEN] != ' '))
		return rc;
	if (hex_to_key(p, 2 * CARD_KEY_LEN, key) != CARD_OK)
		return rc;
	p += 2 * CARD_KEY_LEN;
	if (*p == ' ')
		p++;
	rc = put_key(kr, (unsigned)id, key, p, (time_t)created);
	if (rc == CARD_ERR_INVALID_ARG)
		rc = CARD_ERR_KEYRING_FORMAT;
	card_wipe(key, sizeof(key));
	return rc;
}

/* Parse the keyring text buf[0..len) (NUL-terminated at len; changed in place); path only
 * names the file in messages.  Fuzzed by fuzz/fuzz_keyring.c. */
card_err keyring_parse(const char *path, char *buf, size_t len, card_keyring **out, card_diag *diag)
{
	card_err rc;
	card_keyring *kr = NULL;
	long lineno = 0;

	*out = NULL;
	if (memchr(buf, '\0', len) != NULL) {
		rc = CARD_ERR_KEYRING_FORMAT;
		card_diag_set(diag, "keyring \"%s\" is not a text file", path);
		goto out;
	}
	rc = card_keyring_new(&kr);
	if (rc != CARD_OK)
		goto out;

	rc = CARD_ERR_KEYRING_FORMAT;
	{
		char *line = buf, *nl;
		int seen_header = 0;
		for (; *line != '\0'; line = nl + 1) {
			card_err lrc;
			lineno++;
			nl = strchr(line, '\n');
			if (nl == NULL) {
				card_diag_set(diag, "keyring \"%s\" is truncated at line %ld", path,
				              lineno);
				card_diag_detail(diag, "The last line has no newline.");
				goto out;
			}
			*nl = '\0';
			if (!seen_header) {
				if (strcmp(line, HEADER) != 0) {
					card_diag_set(diag, "\"%s\" is not a libcard keyring",
					              path);
					card_diag_detail(diag, "The first line must be \"%s\".",
					                 HEADER);
					goto out;
				}
				seen_header = 1;
				continue;
			}
			if (line[0] == '\0' || line[0] == '#')
				continue;
			lrc = parse_line(kr, line);
			if (lrc != CARD_OK) {
				card_diag_set(diag, "keyring \"%s\" line %ld: %s", path, lineno,
				              lrc == CARD_ERR_KEY_EXISTS ? "duplicate key id"
				                                         : "invalid key entry");
				if (diag != NULL)
					diag->line = lineno;
				goto out;
			}
		}
		if (!seen_header) {
			card_diag_set(diag, "keyring \"%s\" is empty", path);
			goto out;
		}
	}
	*out = kr;
	kr = NULL;
	rc = CARD_OK;
out:
	card_keyring_free(kr);
	return rc;
}

card_err card_keyring_load(const char *path, card_keyring **out, card_diag *diag)
{
	card_err rc = CARD_ERR_IO;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd = -1;

	if (path == NULL || out == NULL)
		return CARD_ERR_INVALID_ARG;
	*out = NULL;
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer; a regular file reads the
	 * same either way, and anything else is refused below. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		card_diag_set(diag, "could not open keyring \"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		card_diag_set(diag, "could not stat keyring \"%s\": %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		rc = CARD_ERR_KEYRING_MODE;
		card_diag_set(diag, "keyring \"%s\" has unsafe permissions", path);
		card_diag_detail(diag,
		                 "The file is mode %04o and owned by uid %u; it must be a regular "
		                 "file of mode 0600 owned by uid %u.",
		                 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
		                 (unsigned)geteuid());
		card_diag_hint(diag, "Run: chmod 600 %s", path);
		goto out;
	}
	if (st.st_size > MAX_FILE) {
		rc = CARD_ERR_KEYRING_FORMAT;
		card_diag_set(diag, "keyring \"%s\" is too large", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = CARD_ERR_NOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			card_diag_set(diag, "could not read keyring \"%s\": %s", path,
			              n == 0 ? "unexpected end of file" : strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	rc = keyring_parse(path, buf, len, out, diag);
out:
	if (buf != NULL) {
		card_wipe(buf, len);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

card_err card_keyring_save(const card_keyring *kr, const char *path, card_diag *diag)
{
	static const char hexd[] = "0123456789abcdef";
	card_err rc = CARD_ERR_IO;
	char tmp[PATH_MAX];
	char line[64 + 2 * CARD_KEY_LEN + CARD_LABEL_MAX];
	FILE *f = NULL;
	int fd = -1, n;

	if (kr == NULL || path == NULL)
		return CARD_ERR_INVALID_ARG;
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return CARD_ERR_INVALID_ARG;
	fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		card_diag_set(diag, "could not create \"%s\": %s", tmp, strerror(errno));
		return CARD_ERR_IO;
	}
	if (fchmod(fd, 0600) != 0)
		goto fail;
	f = fdopen(fd, "w");
	if (f == NULL)
		goto fail;
	fd = -1;
	setvbuf(f, NULL, _IONBF, 0); /* no stdio copy of key text left behind */
	if (fprintf(f, "%s\n", HEADER) < 0)
		goto fail;
	for (unsigned id = 0; id < CARD_KEY_IDS; id++) {
		size_t o;
		if (!(kr->present & (1u << id)))
			continue;
		n = snprintf(line, sizeof(line), "key %u %lld ", id,
		             (long long)kr->slot[id].created);
		if (n < 0)
			goto fail;
		o = (size_t)n;
		for (size_t i = 0; i < CARD_KEY_LEN; i++) {
			line[o++] = hexd[kr->slot[id].key[i] >> 4];
			line[o++] = hexd[kr->slot[id].key[i] & 15];
		}
		n = snprintf(line + o, sizeof(line) - o, " %s\n", kr->slot[id].label);
		if (n < 0)
			goto fail;
		o += (size_t)n;
		if (fwrite(line, 1, o, f) != o)
			goto fail;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto fail;
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		goto fail;
	rc = CARD_OK;
	goto out;
fail:
	card_diag_set(diag, "could not write keyring \"%s\": %s", path, strerror(errno));
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	card_wipe(line, sizeof(line));
	return rc;
}
