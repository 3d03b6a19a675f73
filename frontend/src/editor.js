// The code editor of the coding exercise page: CodeMirror 6 set up for Python,
// bundled by frontend/build.sh into platform/static/vendor/codemirror.bundle.js.
// It exposes window.CourseEditor.create(); platform/static/js/editor.js (not
// bundled) does the page's part: the textarea, the size limit and the drafts.

import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  HighlightStyle,
  bracketMatching,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, Prec, RangeSet, StateEffect, StateField } from "@codemirror/state";
import { oneDark } from "@codemirror/theme-one-dark";
import { tags } from "@lezer/highlight";
import {
  Decoration,
  EditorView,
  GutterMarker,
  crosshairCursor,
  drawSelection,
  dropCursor,
  gutterLineClass,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";

// CodeMirror's own words (the search panel, folding), for pages in Portuguese.
const PHRASES_PT = {
  Find: "Buscar",
  Replace: "Substituir",
  next: "próximo",
  previous: "anterior",
  all: "todos",
  "match case": "maiúsc./minúsc.",
  regexp: "expressão regular",
  "by word": "palavra inteira",
  replace: "substituir",
  "replace all": "substituir todos",
  close: "fechar",
  "current match": "ocorrência atual",
  "replaced $ matches": "$ ocorrências substituídas",
  "replaced match on line $": "ocorrência substituída na linha $",
  "on line": "na linha",
  "Go to line": "Ir para a linha",
  go: "ir",
  "Control character": "Caractere de controle",
  "folded code": "código recolhido",
  unfold: "expandir",
  to: "até",
};

// The site's light look; the dark one is One Dark. CodeMirror's default colours are
// not all readable enough (an f-string's braces, #e40, are 3.6:1): every colour here is
// at least 4.5:1 on the editor's background and on the active line's.
const lightHighlight = HighlightStyle.define([
  { tag: tags.keyword, color: "#7a1fa2" },
  { tag: [tags.atom, tags.bool, tags.labelName], color: "#1a4fa0" },
  { tag: [tags.literal, tags.number, tags.inserted], color: "#116329" },
  { tag: [tags.string, tags.deleted], color: "#a31515" },
  { tag: [tags.regexp, tags.escape, tags.special(tags.string)], color: "#9a3412" },
  { tag: tags.definition(tags.variableName), color: "#0033b3" },
  { tag: tags.local(tags.variableName), color: "#3b2aa0" },
  { tag: [tags.typeName, tags.namespace], color: "#0b6e4f" },
  { tag: tags.className, color: "#0e6a7a" },
  { tag: [tags.special(tags.variableName), tags.macroName], color: "#26546b" },
  { tag: tags.definition(tags.propertyName), color: "#0030a0" },
  { tag: tags.comment, color: "#7c4a03", fontStyle: "italic" },
  { tag: tags.meta, color: "#404740" },
  { tag: tags.invalid, color: "#c00000" },
]);
const light = [
  EditorView.theme({
    "&": { backgroundColor: "#fbfcfe", color: "#1d2330" },
    ".cm-gutters": { backgroundColor: "#f1f3f9", color: "#4b5563", borderRight: "1px solid #e3e6ee" },
    ".cm-activeLine": { backgroundColor: "#eef2fb" },
    ".cm-activeLineGutter": { backgroundColor: "#e3e8f5", color: "#1d2330" },
  }),
  syntaxHighlighting(lightHighlight),
];

// One Dark, with its grey (comments, line numbers: #7d8799, 3.6:1 on the active line) lifted
// to #a3acba (5.7:1 there), so the dark theme passes the same contrast rule as the light one
// (axe, tests/browser/test_accessibility.py).
const darkGrey = "#a3acba";
const darkTheme = [
  oneDark,
  Prec.highest(EditorView.theme({ ".cm-gutters": { color: darkGrey } }, { dark: true })),
  Prec.highest(
    syntaxHighlighting(
      HighlightStyle.define([
        { tag: [tags.meta, tags.comment], color: darkGrey },
        // Its coral (names, #e06c75, 4.1:1 on the active line) lifted the same way (5.1:1).
        { tag: [tags.name, tags.deleted, tags.character, tags.propertyName, tags.macroName], color: "#e8868d" },
      ]),
    ),
  ),
];

// The line that raised the error in the last attempt: a red line and a red line number.
const setErrorLine = StateEffect.define();
const errorLineDeco = Decoration.line({ class: "cm-error-line" });
const errorGutter = new (class extends GutterMarker {
  elementClass = "cm-error-gutter";
})();

const errorLine = StateField.define({
  create: () => ({ lines: Decoration.none, gutter: RangeSet.empty }),
  update(value, tr) {
    let { lines, gutter } = value;
    lines = lines.map(tr.changes);
    gutter = gutter.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLine)) continue;
      const n = effect.value;
      if (n && n >= 1 && n <= tr.state.doc.lines) {
        const from = tr.state.doc.line(n).from;
        lines = Decoration.set([errorLineDeco.range(from)]);
        gutter = RangeSet.of([errorGutter.range(from)]);
      } else {
        lines = Decoration.none;
        gutter = RangeSet.empty;
      }
    }
    return { lines, gutter };
  },
  provide: (field) => [
    EditorView.decorations.from(field, (value) => value.lines),
    gutterLineClass.from(field, (value) => value.gutter),
  ],
});

/**
 * Mount an editor in `parent`. Options: doc (the text), label (its accessible
 * name), dark (boolean), lang ("pt" or "en"), onChange(text) after each edit,
 * nonce (the page's Content-Security-Policy nonce, which CodeMirror puts on the
 * <style> element it writes its styles into; the policy refuses that element without it).
 * Returns a small handle; the tests use setValue and getValue too.
 */
function create({ parent, doc = "", label = "", dark = false, lang = "en", onChange = null, nonce = "" }) {
  const theme = new Compartment();
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    EditorState.tabSize.of(4),
    indentUnit.of("    "),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    python(),
    errorLine,
    theme.of(dark ? darkTheme : light),
    // Tab indents; Escape then Tab still moves the focus on (CodeMirror's tab focus mode).
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      indentWithTab,
    ]),
    // tabindex: the content is focusable anyway; saying so lets checkers see that its scroll box is reachable.
    EditorView.contentAttributes.of({ "aria-label": label, spellcheck: "false", autocapitalize: "off", tabindex: "0" }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && onChange) onChange(update.state.doc.toString());
    }),
  ];
  if (lang === "pt") extensions.push(EditorState.phrases.of(PHRASES_PT));
  if (nonce) extensions.push(EditorView.cspNonce.of(nonce));
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions }) });
  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setDark(on) {
      view.dispatch({ effects: theme.reconfigure(on ? darkTheme : light) });
    },
    markErrorLine(n) {
      const effects = [setErrorLine.of(n)];
      if (n >= 1 && n <= view.state.doc.lines) {
        effects.push(EditorView.scrollIntoView(view.state.doc.line(n).from, { y: "center" }));
      }
      view.dispatch({ effects });
    },
    focus: () => view.focus(),
  };
}

window.CourseEditor = { create };
