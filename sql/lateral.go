package sql

// Flink writes a table function call in FROM as
//
//	FROM t, LATERAL TABLE(split(s)) AS T(word, n)
//
// which tidb rejects; tidb does take a LATERAL derived table with a column
// list. So before tidb sees a statement, `LATERAL TABLE(` becomes
// `LATERAL (SELECT `:
//
//	FROM t, LATERAL (SELECT split(s)) AS T(word, n)
//
// and the planner reads a LATERAL derived table whose query is a single
// call of a table function, with no FROM, as that call. The rewrite moves
// later text by two bytes; a textEdit records it so that error positions
// still point into the text the user wrote.

// textEdit says that the rewritten text [At-Len, At) replaced the original
// text from OrigStart on, and that from At on, offsets are Delta bytes
// further on than in the original text.
type textEdit struct{ At, Len, Delta, OrigStart int }

// rewriteLateralTable returns src with every LATERAL TABLE( outside quotes
// and comments rewritten, and the edits made (none: src unchanged). The
// function's name is quoted as well, because names such as split are
// keywords to tidb and cannot start a call in a select list unquoted.
func rewriteLateralTable(src string) (string, []textEdit) {
	lx := &lexer{src: src}
	var toks []token
	for {
		t, err := lx.next()
		if err != nil || t.kind == tokEOF {
			break
		}
		toks = append(toks, t)
	}
	type replacement struct {
		start, end int
		text       string
	}
	var reps []replacement
	for i := 0; i+2 < len(toks); i++ {
		if !lx.isWord(toks[i], "LATERAL") || !lx.isWord(toks[i+1], "TABLE") || !lx.isPunct(toks[i+2], "(") {
			continue
		}
		reps = append(reps, replacement{toks[i+1].start, toks[i+2].end, "(SELECT "})
		if i+4 < len(toks) && toks[i+3].kind == tokWord && lx.isPunct(toks[i+4], "(") {
			name := lx.text(toks[i+3])
			reps = append(reps, replacement{toks[i+3].start, toks[i+3].end, "`" + name + "`"})
		}
	}
	if reps == nil {
		return src, nil
	}
	var out []byte
	var edits []textEdit
	last, shift := 0, 0
	for _, r := range reps {
		out = append(out, src[last:r.start]...)
		out = append(out, r.text...)
		shift += len(r.text) - (r.end - r.start)
		edits = append(edits, textEdit{At: len(out), Len: len(r.text), Delta: shift, OrigStart: r.start})
		last = r.end
	}
	out = append(out, src[last:]...)
	return string(out), edits
}

// originalOffset maps an offset of the rewritten text back to the text as
// written; an offset inside a replacement maps to its start.
func originalOffset(edits []textEdit, off int) int {
	delta := 0
	for _, e := range edits {
		if off < e.At {
			if off >= e.At-e.Len {
				return e.OrigStart
			}
			break
		}
		delta = e.Delta
	}
	return off - delta
}
