package sql

import (
	"sort"
	"strings"
)

// Two rewrites let tidb parse what Flink's users write. The first: Flink
// writes a table function call in FROM as
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
// call of a table function, with no FROM, as that call. The second marks
// window calls of functions tidb does not know (see OverMarker). Rewrites
// move later text; a textEdit records each so that error positions still
// point into the text the user wrote.

// textEdit says that the rewritten text [At-Len, At) replaced the original
// text from OrigStart on, and that from At on, offsets are Delta bytes
// further on than in the original text.
type textEdit struct{ At, Len, Delta, OrigStart int }

// tidbWindowFunctions are the names tidb accepts before OVER.
var tidbWindowFunctions = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "group_concat": true,
	"bit_and": true, "bit_or": true, "bit_xor": true, "std": true, "stddev": true, "stddev_pop": true,
	"stddev_samp": true, "variance": true, "var_pop": true, "var_samp": true, "json_arrayagg": true,
	"json_objectagg": true, "approx_count_distinct": true, "approx_percentile": true,
	"row_number": true, "rank": true, "dense_rank": true, "cume_dist": true, "percent_rank": true,
	"ntile": true, "lead": true, "lag": true, "first_value": true, "last_value": true, "nth_value": true,
}

// OverMarker and overPrefix: tidb parses OVER only after its own aggregate
// and window function names, so any other call f(args) OVER (...) — a
// Python aggregate over a window — is written
//
//	json_objectagg('taipan.over', `f`(args)) OVER (...)
//
// which the planner reads back as the call of f (planner.PythonOverMarker
// holds the same marker).
const OverMarker = "taipan.over"

const overPrefix = "json_objectagg('" + OverMarker + "', "

// rewriteForTiDB returns src with Flink's LATERAL TABLE( and window calls
// of functions tidb does not know rewritten, outside quotes and comments,
// and the edits made (none: src unchanged). Function names are quoted as
// well, because names such as split are keywords to tidb and cannot start
// a call unquoted. quote lists the offsets of further call names to quote:
// see parseTiDB.
func rewriteForTiDB(src string, quote ...int) (string, []textEdit) {
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
		if lx.isWord(toks[i], "LATERAL") && lx.isWord(toks[i+1], "TABLE") && lx.isPunct(toks[i+2], "(") {
			reps = append(reps, replacement{toks[i+1].start, toks[i+2].end, "(SELECT "})
			if i+4 < len(toks) && toks[i+3].kind == tokWord && lx.isPunct(toks[i+4], "(") {
				name := lx.text(toks[i+3])
				reps = append(reps, replacement{toks[i+3].start, toks[i+3].end, "`" + name + "`"})
			}
			continue
		}
		// name ( ... ) OVER, name not one of tidb's window functions.
		if !isName(lx, toks[i]) || !lx.isPunct(toks[i+1], "(") || tidbWindowFunctions[strings.ToLower(lx.text(toks[i]))] ||
			(i > 0 && lx.isPunct(toks[i-1], ".")) {
			continue
		}
		depth, j := 0, i+1
		for ; j < len(toks); j++ {
			if lx.isPunct(toks[j], "(") {
				depth++
			} else if lx.isPunct(toks[j], ")") {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j+1 >= len(toks) || !lx.isWord(toks[j+1], "OVER") {
			continue
		}
		reps = append(reps,
			replacement{toks[i].start, toks[i].end, overPrefix + "`" + lx.text(toks[i]) + "`"},
			replacement{toks[j].end, toks[j].end, ")"})
	}
	for _, off := range quote {
		for i := 0; i+1 < len(toks); i++ {
			if toks[i].start == off && isName(lx, toks[i]) && lx.isPunct(toks[i+1], "(") {
				reps = append(reps, replacement{toks[i].start, toks[i].end, "`" + lx.text(toks[i]) + "`"})
			}
		}
	}
	if reps == nil {
		return src, nil
	}
	sort.SliceStable(reps, func(a, b int) bool { return reps[a].start < reps[b].start })
	var out []byte
	var edits []textEdit
	last, shift := 0, 0
	for _, r := range reps {
		if r.start < last {
			continue // overlaps a replacement already made
		}
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

// isName reports whether t is an unquoted word that can name a function:
// not a number.
func isName(lx *lexer, t token) bool {
	return t.kind == tokWord && !(lx.src[t.start] >= '0' && lx.src[t.start] <= '9')
}
