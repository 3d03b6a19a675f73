"""Setting code in the exercise page's editor from a browser test (CodeMirror hides the textarea)."""


def set_code(page, text: str) -> None:
    """Replace the editor's text, as typing would: the textarea follows, the draft is saved."""
    page.wait_for_selector(".cm-content")
    page.evaluate("text => window.courseEditor.setValue(text)", text)
