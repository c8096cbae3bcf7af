/*
 * html.c -- self-contained HTML pages with inline SVG bar charts (see html.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html.h"
#include "outfile.h"

struct html {
	FILE *f;            /* stdout, or out.f */
	struct outfile out; /* the file being written (outfile.c); unused for stdout */
};

static const char PAGE_CSS[] =
	"body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif;"
	"margin:24px auto;padding:0 24px;max-width:1100px;color:#222}"
	"h1{font-size:22px;text-align:center;margin:8px 0 4px}"
	"h2{font-size:17px;margin:22px 0 8px;border-bottom:2px solid #3a6ea5;padding-bottom:3px}"
	".sub{text-align:center;color:#555;font-size:13px;margin-bottom:14px}"
	"table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}"
	"th,td{border:1px solid #999;padding:4px 6px}th{background:#e8eef6}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.sum td{font-weight:bold;background:#f5f5f5}"
	".late{color:#b00020;font-weight:bold}.ok{color:#1b7f3b}"
	".form td.k{width:34%;background:#f3f6fa;font-weight:bold}"
	".sign{display:flex;justify-content:space-between;margin-top:40px;font-size:14px}"
	".sign div{width:45%;border-top:1px solid #333;padding-top:6px}"
	"svg text{font-size:13px;font-family:inherit}"
	"@media print{body{margin:0}h2{break-after:avoid}}";

card_err html_open(const char *path, const char *title, struct html **out, card_diag *diag)
{
	struct html *h = calloc(1, sizeof(*h));
	card_err rc = CARD_ERR_NOMEM;

	*out = NULL;
	if (h == NULL)
		goto fail;
	if (path == NULL || strcmp(path, "-") == 0) {
		h->f = stdout;
	} else {
		rc = outfile_open(&h->out, path, diag);
		if (rc != CARD_OK)
			goto fail;
		h->f = h->out.f;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
	      h->f);
	html_text(h, title);
	fprintf(h->f, "</title><style>%s</style></head><body>\n", PAGE_CSS);
	*out = h;
	return CARD_OK;
fail:
	free(h);
	return rc;
}

card_err html_close(struct html *h, card_diag *diag)
{
	card_err rc = CARD_OK;

	if (h == NULL)
		return CARD_OK;
	fputs("</body></html>\n", h->f);
	if (h->f == stdout) {
		if (fflush(stdout) != 0)
			rc = CARD_ERR_IO;
	} else {
		rc = outfile_commit(&h->out, diag);
	}
	free(h);
	return rc;
}

FILE *html_file(struct html *h)
{
	return h->f;
}

void html_text(struct html *h, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", h->f);
			break;
		case '>':
			fputs("&gt;", h->f);
			break;
		case '&':
			fputs("&amp;", h->f);
			break;
		case '"':
			fputs("&quot;", h->f);
			break;
		case '\'':
			fputs("&#39;", h->f);
			break;
		default:
			fputc(*s, h->f);
		}
	}
}

void html_raw(struct html *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(h->f, fmt, ap);
	va_end(ap);
}

void html_bars(struct html *h, const char *caption, const char *const *labels, const double *values,
               const char *const *texts, size_t n, double max)
{
	const int row = 26, left = 190, width = 1000, barw = width - left - 90;
	int height = (int)n * row + 40;

	if (max <= 0)
		max = 1;
	html_raw(h,
	         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"100%%\" "
	         "role=\"img\" aria-label=\"",
	         width, height);
	html_text(h, caption);
	html_raw(h, "\">\n<text x=\"0\" y=\"16\" font-weight=\"bold\">");
	html_text(h, caption);
	html_raw(h, "</text>\n");
	for (int k = 0; k <= 4; k++) {
		int x = left + barw * k / 4;
		html_raw(h,
		         "<line x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
		         "<text x=\"%d\" y=\"%d\" fill=\"#777\" text-anchor=\"middle\">%g</text>\n",
		         x, x, height - 14, x, height - 2, max * k / 4);
	}
	for (size_t i = 0; i < n; i++) {
		double v = values[i] < 0 ? 0 : values[i] > max ? max : values[i];
		int y = 28 + (int)i * row, w = (int)(barw * v / max + 0.5);
		const char *fill = v >= 0.9 * max   ? "#3a6ea5"
		                   : v >= 0.6 * max ? "#6f9bd1"
		                                    : "#d9822b";
		html_raw(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8, y + 16);
		html_text(h, labels[i]);
		/* the figure right of the bar; inside it (white, right-aligned) when the bar is long,
		 * so that it never runs off the chart */
		int inside = w > barw * 7 / 10;
		html_raw(h,
		         "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
		         "rx=\"2\"/>"
		         "<text x=\"%d\" y=\"%d\"%s>",
		         left, y + 3, w, row - 8, fill, inside ? left + w - 6 : left + w + 6,
		         y + 16, inside ? " text-anchor=\"end\" fill=\"#fff\"" : "");
		if (texts != NULL && texts[i] != NULL)
			html_text(h, texts[i]);
		else
			html_raw(h, "%g", values[i]);
		html_raw(h, "</text>\n");
	}
	html_raw(h, "</svg>\n");
}
