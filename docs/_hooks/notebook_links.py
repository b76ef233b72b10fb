"""MkDocs hook: links inside the tutorials point to pages of the site.

The tutorials are notebooks (Jupytext .py files rendered by mkdocs-jupyter), whose Markdown
links name source files (``../differences.md#devices``, ``06_porting_from_torch.py``) so
that they work in Jupyter.  MkDocs rewrites such links in Markdown pages but not in rendered
notebooks; this hook does it for them, and a link to a file that is not part of the site is a
warning (which fails ``mkdocs build --strict``), as it is on every other page.
"""
import logging
import posixpath
import re

log = logging.getLogger("mkdocs.plugins.tinyconv.notebook_links")
_HREF = re.compile(r'href="([^":#]+\.(?:md|py|ipynb))(#[^"]*)?"')


def on_page_content(html, page, config, files):
    """MkDocs event: rewrite the rendered tutorials' links to source files."""
    src = page.file.src_uri
    if not src.endswith((".py", ".ipynb")):
        return html

    def rewrite(match):
        path, anchor = match.group(1), match.group(2) or ""
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        linked = files.get_file_from_path(target)
        if linked is None:
            log.warning("%s links to '%s', which is not a page of the site", src, path)
            return match.group(0)
        return f'href="{linked.url_relative_to(page.file)}{anchor}"'

    return _HREF.sub(rewrite, html)
