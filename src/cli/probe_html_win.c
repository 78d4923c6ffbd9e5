/* `vpndiag probe --html FILE` on Windows (see probe_html.h): there is no privilege drop
 * (priv_drop returns 1, net/priv_win.c), so the run writes FILE itself: no writer process. */
#include "cli/probe_html.h"

int cli_probe_html_prepare(const char *path, bool monitoring)
{
	(void)path, (void)monitoring;
	return 0;
}

int cli_probe_html_deliver(const char *path, const char *page, size_t len)
{
	return cli_probe_html_write(path, page, len);
}
