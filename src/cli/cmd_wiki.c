/* `vpndiag wiki build DIR`: the knowledge base as a static web site. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "kb/kb.h"
#include "wiki/wiki.h"

enum { OPT_DATA = 1000, OPT_BASE_URL, OPT_QUIET };

static const struct cli_option wiki_opts[] = {
	{{"data", required_argument, NULL, OPT_DATA}, "PATH",
	 "read the knowledge base from PATH (e.g. data/) and templates from PATH/wiki/ where present"},
	{{"base-url", required_argument, NULL, OPT_BASE_URL}, "URL",
	 "absolute URL the site will be published at: writes sitemap.xml and canonical links"},
	{{"quiet", no_argument, NULL, 'q'}, NULL, "print nothing on success"},
	{{"help", no_argument, NULL, 'h'}, NULL, "this help"},
	{{NULL, 0, NULL, 0}, NULL, NULL},
};

void cli_wiki_help(FILE *out)
{
	fprintf(out,
		"usage: vpndiag wiki build [--data PATH] [--base-url URL] DIR\n\n"
		"Writes the knowledge base as a static, self-contained web site into DIR: an article per\n"
		"error (DIR/errors/809.html, DIR/errors/0x80092013.html), a page per tag, an index by\n"
		"category, protocol and A-Z, and a search page that matches and ranks like 'vpndiag explain'.\n"
		"Open DIR/index.html from disk, or copy DIR to any web server. DIR is created when missing;\n"
		"an existing DIR must be empty or hold an earlier build, whose stale pages are removed.\n"
		"sitemap.xml needs absolute URLs, so it is written only with --base-url.\n\n"
		"Options:\n");
	cli_print_options(out, wiki_opts);
	fprintf(out, "\nExit: 0 written, 2 usage error or bad data/templates/base URL, 4 cannot write DIR.\n");
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_wiki(int argc, char **argv)
{
	struct wiki_options o = {NULL, NULL};
	int quiet = 0, c;
	optind = 1;
	while ((c = cli_getopt(argc, argv, wiki_opts, "wiki")) != -1) {
		switch (c) {
		case OPT_DATA: o.data_dir = optarg; break;
		case OPT_BASE_URL: o.base_url = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': cli_wiki_help(stdout); return VD_EXIT_OK;
		default: return VD_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("wiki", "give an action: vpndiag wiki build DIR (try 'vpndiag help wiki')");
		return VD_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "build") != 0) {
		cli_error("wiki", "unknown action '%s': the only action is 'build'", argv[optind]);
		return VD_EXIT_USAGE;
	}
	if (argc - optind != 2 || !argv[optind + 1][0]) {
		cli_error("wiki", "build takes exactly one output folder: vpndiag wiki build DIR");
		return VD_EXIT_USAGE;
	}
	const char *dir = argv[optind + 1];

	double t0 = now();
	struct kb kb;
	char err[1536];
	if (kb_load(&kb, o.data_dir, err, sizeof err) != 0) {
		cli_error("wiki", "%s", err);
		return o.data_dir ? VD_EXIT_USAGE : VD_EXIT_INTERNAL;
	}
	struct wiki_stats st;
	int rc = wiki_build(&kb, dir, &o, &st, err, sizeof err);
	kb_free(&kb);
	if (rc != WIKI_OK) {
		cli_error("wiki", "%s", err);
		return rc == WIKI_EINPUT ? VD_EXIT_USAGE : VD_EXIT_INTERNAL;
	}
	if (!quiet) {
		printf("wrote %zu pages (%zu articles, %zu tag pages) and %zu other files, %zu KiB, to %s in %.2f s\n",
		       st.pages, st.articles, st.tags, st.files - st.pages, (st.bytes + 1023) / 1024, dir, now() - t0);
		if (st.removed)
			printf("removed %zu stale page%s of an earlier build\n", st.removed, st.removed == 1 ? "" : "s");
		if (!st.sitemap)
			printf("no sitemap.xml: give --base-url URL (where the site will be published) to write one\n");
		printf("open %s/index.html in a browser, or copy %s to a web server\n", dir, dir);
	}
	return VD_EXIT_OK;
}
