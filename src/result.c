/* result.c: struct pj_result -> the JSON record and pyjail's exit status.
 * Pure: tested in tests/unit/test-result.c. */
#include "result.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const status_names[] = {
	[PJ_ST_EXITED] = "exited",
	[PJ_ST_SIGNALED] = "signaled",
	[PJ_ST_TIMEOUT] = "timeout",
	[PJ_ST_CPU_LIMIT] = "cpu-limit",
	[PJ_ST_MEMORY_LIMIT] = "memory-limit",
	[PJ_ST_OUTPUT_LIMIT] = "output-limit",
	[PJ_ST_SETUP_ERROR] = "setup-error",
};

const char *pj_result_status_name(enum pj_status st)
{
	return status_names[st];
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void pj_json_write_string(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	putc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = utf8_len(s + i, len - i);
		if (n == 0) {
			fprintf(out, "\\udc%02x", c); /* lone byte, surrogateescape style */
			i++;
		} else if (n > 1) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else {
			if (c == '"' || c == '\\')
				fprintf(out, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", out);
			else if (c == '\t')
				fputs("\\t", out);
			else if (c == '\r')
				fputs("\\r", out);
			else if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				putc(c, out);
			i++;
		}
	}
	putc('"', out);
}

static void write_cstr(FILE *out, const char *s)
{
	pj_json_write_string(out, s, strlen(s));
}

static void write_limits(FILE *out, const struct pj_result *r)
{
	fputs("\"limits\":{", out);
	for (int i = 0; i < PJ_NLIMITS; i++) {
		const struct pj_limit_report *l = &r->limits[i];
		if (!l->name)
			continue;
		fprintf(out, "%s\"%s\":{\"value\":%s,", i ? "," : "", l->name, l->value);
		fprintf(out, "\"enforced_by\":\"%s\"}", l->enforced_by ? l->enforced_by : "none");
	}
	putc('}', out);
}

static void write_denied(FILE *out, const struct pj_denied *d)
{
	fputs("\"denied_syscalls\":{", out);
	for (unsigned i = 0; i < d->n; i++) {
		fprintf(out, "%s", i ? "," : "");
		write_cstr(out, pj_seccomp_syscall_name(d->e[i].nr));
		fprintf(out, ":%" PRIu64, d->e[i].count);
	}
	putc('}', out);
}

void pj_result_write_json(FILE *out, const struct pj_result *r, bool with_output)
{
	fprintf(out, "{\"status\":\"%s\",\"exit_code\":", status_names[r->status]);
	if (r->exit_code >= 0)
		fprintf(out, "%d", r->exit_code);
	else
		fputs("null", out);
	fputs(",\"signal\":", out);
	if (r->signal > 0)
		fprintf(out, "%d", r->signal);
	else
		fputs("null", out);
	if (with_output) {
		fputs(",\"stdout\":", out);
		pj_json_write_string(out, r->out.data ? r->out.data : "", r->out.len);
		fputs(",\"stderr\":", out);
		pj_json_write_string(out, r->err.data ? r->err.data : "", r->err.len);
	}
	fprintf(out,
		",\"stdout_truncated\":%s,\"stderr_truncated\":%s,\"wall_ms\":%" PRIu64
		",\"cpu_ms\":%" PRIu64 ",\"peak_memory_bytes\":%" PRIu64 ",\"pids_limit_hit\":%s,",
		r->stdout_truncated ? "true" : "false", r->stderr_truncated ? "true" : "false",
		r->wall_ms, r->cpu_ms, r->peak_memory_bytes, r->pids_limit_hit ? "true" : "false");
	write_limits(out, r);
	putc(',', out);
	write_denied(out, &r->denied);
	fprintf(out, ",\"cgroup\":\"%s\"", r->cgroup[0] ? r->cgroup : "none");
	if (r->status == PJ_ST_SETUP_ERROR) {
		fputs(",\"error\":", out);
		write_cstr(out, r->error.msg);
	}
	fputs("}\n", out);
}

int pj_result_exit_status(const struct pj_result *r, bool json)
{
	switch (r->status) {
	case PJ_ST_EXITED:
		return r->exit_code;
	case PJ_ST_SETUP_ERROR:
		return PJ_EXIT_SETUP;
	case PJ_ST_TIMEOUT:
		return PJ_EXIT_TIMEOUT;
	default:
		return 128 + (r->signal > 0 ? r->signal : 9);
	}
}

const char *pj_result_reason(const struct pj_result *r)
{
	switch (r->status) {
	case PJ_ST_TIMEOUT:
		return "pyjail: killed: wall-time limit reached";
	case PJ_ST_CPU_LIMIT:
		return "pyjail: killed: CPU-time limit reached";
	case PJ_ST_MEMORY_LIMIT:
		return "pyjail: killed: memory limit reached";
	case PJ_ST_OUTPUT_LIMIT:
		return "pyjail: killed: output limit reached";
	default:
		if (r->pids_limit_hit && (r->signal > 0 || r->exit_code != 0))
			return "pyjail: note: the process limit refused a fork or thread";
		return NULL;
	}
}

int pj_buf_append(struct pj_buf *b, const char *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *nd;
		while (cap < b->len + len)
			cap *= 2;
		nd = realloc(b->data, cap);
		if (!nd)
			return -ENOMEM;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

void pj_buf_free(struct pj_buf *b)
{
	free(b->data);
	*b = (struct pj_buf){ 0 };
}

static long long span_us(const struct pj_result *r, enum pj_tpoint a, enum pj_tpoint b)
{
	if (!r->t[a] || !r->t[b] || r->t[b] < r->t[a])
		return -1;
	return (long long)((r->t[b] - r->t[a]) / 1000ULL);
}

void pj_result_write_timings(FILE *out, const struct pj_result *r)
{
	static const struct {
		const char *name;
		enum pj_tpoint from, to;
	} phases[] = {
		{ "config", PJ_T_START, PJ_T_PLANNED },
		{ "prepare", PJ_T_PLANNED, PJ_T_PREPARED },
		{ "clone", PJ_T_PREPARED, PJ_T_CLONED },
		{ "maps", PJ_T_CLONED, PJ_T_GO },
		{ "parent_setup", PJ_T_GO, PJ_T_RELEASED },
		{ "unshare", PJ_T_CLONED, PJ_T_C_GO },
		{ "ids", PJ_T_C_GO, PJ_T_C_IDS },
		{ "net", PJ_T_C_IDS, PJ_T_C_NET },
		{ "mounts", PJ_T_C_NET, PJ_T_C_MOUNTS },
		{ "caps", PJ_T_C_MOUNTS, PJ_T_C_CAPS },
		{ "exec", PJ_T_C_CAPS, PJ_T_RUNNING },
		{ "start_to_exec", PJ_T_START, PJ_T_RUNNING },
		{ "run", PJ_T_RUNNING, PJ_T_EXITED },
		{ "report", PJ_T_EXITED, PJ_T_REPORTED },
		{ "teardown", PJ_T_REPORTED, PJ_T_END },
		{ "total", PJ_T_START, PJ_T_END },
	};
	char status[4096], *hwm;
	long rss_kb = -1;

	/* VmHWM, not getrusage(): ru_maxrss survives execve and would count our caller. */
	if (pj_read_fileat(AT_FDCWD, "/proc/self/status", status, sizeof(status)) > 0 &&
	    (hwm = strstr(status, "VmHWM:")))
		rss_kb = strtol(hwm + 6, NULL, 10);
	fputs("pyjail-timings: {", out);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		fprintf(out, "%s\"%s\":%lld", i ? "," : "", phases[i].name,
			span_us(r, phases[i].from, phases[i].to));
	fprintf(out, ",\"rss_kb\":%ld,\"init_waited\":%d}\n", rss_kb, r->init_waited);
}
