// SPDX-License-Identifier: GPL-2.0-only
/* Command line options from one table, and the help text made from it. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "libzcnet.h"
#include "frame.h"
#include "traffic.h"

#define MAX_OPTS	48
#define HELP_COL	27

static void store(struct opt *o, const char *s)
{
	const char *hint;
	uint64_t v;
	int n;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)o->p = true;
		return;
	case OPT_NUM:
		if (!parse_u64(s, o->min, o->max, &v))
			break;
		if (o->size == 8)
			*(uint64_t *)o->p = v;
		else if (o->size == 4)
			*(uint32_t *)o->p = (uint32_t)v;
		else
			*(uint16_t *)o->p = (uint16_t)v;
		return;
	case OPT_SECS:
		if (!parse_seconds(s, (double)o->max, (double *)o->p))
			break;
		return;
	case OPT_MAC:
		if (!parse_mac(s, o->p))
			usage_error("bad MAC address '%s' (want "
				    "aa:bb:cc:dd:ee:ff)", s);
		return;
	case OPT_STR:
		if (!*s)
			usage_error("empty --%s", o->name);
		*(const char **)o->p = s;
		return;
	case OPT_RING:
		if (!parse_u64(s, ZCNET_RING_MIN_ENTRIES, ZCNET_RING_MAX_ENTRIES,
			       &v) || (v & (v - 1)))
			usage_error("bad ring size '%s' (a power of two in "
				    "%d..%d)", s, ZCNET_RING_MIN_ENTRIES,
				    ZCNET_RING_MAX_ENTRIES);
		*(uint32_t *)o->p = (uint32_t)v;
		return;
	case OPT_FN:
		if (o->fn(s, o->p))
			return;
	}
	hint = strstr(o->what, " (");
	n = hint ? (int)(hint - o->what) : (int)strlen(o->what);
	usage_error("bad %.*s '%s'%s", n, o->what, s, hint ? hint : "");
}

void opts_help(FILE *f, const struct opt *t)
{
	const char *h;
	int n;

	for (; t->name; t++) {
		if (!t->arg)
			continue;
		n = t->key ? fprintf(f, "  -%c, --%s", t->key, t->name) :
			     fprintf(f, "      --%s", t->name);
		if (*t->arg)
			n += fprintf(f, " %s", t->arg);
		fprintf(f, "%*s", n < HELP_COL - 1 ? HELP_COL - n : 1, "");
		for (h = t->help; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%*s", HELP_COL, "");
		}
		fputc('\n', f);
	}
	fprintf(f, "  -h, --help%*sshow this help\n", HELP_COL - 12, "");
	fprintf(f, "      --version%*sversions of the tool, libzcnet and the module\n",
		HELP_COL - 15, "");
}

/*
 * --version: the tool's version, that of the libzcnet it runs with (the
 * same, unless the shared library was replaced), and the loaded module's
 * version, ABI version and features.
 */
static void print_version(void)
{
	static const char *const feat[] = {
		"rings", "regions", "eventfd", "tx-nop", "tx-raw", "rx",
		"tx-sock", "tx-gso", "rx-shared", "region-import", "busy-poll",
		"tx-vnet-hdr", "timestamps", "region-readonly", "rx-wake",
	};
	const struct zcnet_info *info;
	struct zcnet_ctx *ctx;
	char mod[64] = "";
	unsigned int i;
	FILE *f;
	int err;

	printf("%s %s\nlibzcnet %s\n", program_invocation_short_name,
	       ZCNET_VERSION, zcnet_version());
	err = zcnet_open(&ctx);
	if (err) {
		printf("module: %s: %s\n", LIBZCNET_DEVICE_PATH, strerror(-err));
		return;
	}
	info = zcnet_ctx_info(ctx);
	f = fopen("/sys/module/zcnet/version", "re");
	if (f) {
		if (fgets(mod, sizeof(mod), f))
			mod[strcspn(mod, "\n")] = 0;
		fclose(f);
	}
	printf("module: %s%sABI %u, features 0x%llx", mod, *mod ? ", " : "",
	       info->abi_version, (unsigned long long)info->features);
	for (i = 0; i < sizeof(feat) / sizeof(feat[0]); i++)
		if (info->features & (1ULL << i))
			printf(" %s", feat[i]);
	putchar('\n');
	zcnet_close(ctx);
}

void opts_parse(int argc, char **argv, struct opt *t, const char *usage,
		void (*more_help)(FILE *f))
{
	struct option lo[MAX_OPTS + 3];
	char shorts[2 * MAX_OPTS + 4] = ":h", *sp = shorts + 2;
	int i, c, n = 0;

	for (; t[n].name && n < MAX_OPTS; n++) {
		lo[n] = (struct option){ t[n].name, t[n].kind == OPT_FLAG ?
					 no_argument : required_argument,
					 NULL, 256 + n };
		if (t[n].key) {
			*sp++ = t[n].key;
			if (t[n].kind != OPT_FLAG)
				*sp++ = ':';
		}
	}
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n + 1] = (struct option){ "version", no_argument, NULL, 1 };
	lo[n + 2] = (struct option){ NULL, 0, NULL, 0 };
	*sp = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == 'h') {
			printf("%s", usage);
			opts_help(stdout, t);
			if (more_help) {
				putchar('\n');
				more_help(stdout);
			}
			exit(0);
		}
		if (c == 1) {
			print_version();
			exit(0);
		}
		for (i = 0; i < n && c < 256; i++)
			if (t[i].key == c)
				c = 256 + i;
		if (c >= 256 && c < 256 + n) {
			t[c - 256].seen = true;
			store(&t[c - 256], optarg);
		} else if (c == ':') {
			usage_error("option '%s' needs a value",
				    argv[optind - 1]);
		} else if (optopt) {
			usage_error("unknown option '-%c'", optopt);
		} else {
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

static struct opt *opts_find(struct opt *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	abort();
}

bool opts_seen(struct opt *t, const char *name)
{
	return opts_find(t, name)->seen;
}

void opts_forbid(struct opt *t, const char *const names[], const char *why)
{
	for (; *names; names++)
		if (opts_seen(t, *names))
			usage_error("--%s %s", *names, why);
}

bool opt_pattern(const char *s, void *p)
{
	if (strcmp(s, "seq") && strcmp(s, "zero"))
		return false;
	*(unsigned int *)p = strcmp(s, "seq") ? ZCNET_PATTERN_ZERO :
						ZCNET_PATTERN_SEQ;
	return true;
}

bool opt_proto(const char *s, void *p)
{
	*(uint8_t *)p = !strcmp(s, "udp") ? IPPROTO_UDP :
			!strcmp(s, "tcp") ? IPPROTO_TCP : 0;
	return *(uint8_t *)p;
}

bool argv_has(int argc, char **argv, const char *const names[])
{
	const char *const *n;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2))
			continue;
		if (!argv[i][2])
			break;
		for (n = names; *n; n++) {
			len = strlen(*n);
			if (!strncmp(argv[i] + 2, *n, len) &&
			    (!argv[i][2 + len] || argv[i][2 + len] == '='))
				return true;
		}
	}
	return false;
}
