package sql

import (
	"fmt"
	"strings"
)

// Parse parses exactly one statement, with or without a trailing ';'.
// line and column are where text starts in its script, so that every error
// position is in script coordinates. Errors are *ParseError: an empty
// statement, a second statement, an unterminated quote or comment, or a
// syntax error from Taipan's own statements or from tidb.
func Parse(text string, line, column int) (Stmt, error) {
	line, column = max(line, 1), max(column, 1)
	pieces, offsets, err := split(text, line, column)
	if err != nil {
		return nil, err
	}
	switch len(pieces) {
	case 0:
		return nil, &ParseError{Line: line, Column: column, Near: near(text, 0), Msg: "empty statement"}
	case 1:
	default:
		second := pieces[1]
		return nil, &ParseError{Line: second.Line, Column: second.Column, Near: near(text, offsets[1]),
			Msg: "more than one statement; run a script statement by statement"}
	}
	p := &stmtParser{lx: lexer{src: pieces[0].Text}, loc: newLocator(pieces[0].Text, pieces[0].Line, pieces[0].Column)}
	if st, ours, err := p.parse(); ours {
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return parseTiDB(pieces[0])
}

// stmtParser reads Taipan's own statements from one statement's text
// (split has already checked its quotes and comments).
type stmtParser struct {
	lx  lexer
	loc *locator
}

// parse recognises Taipan's statements by their first words. ours is false
// for anything that belongs to tidb.
func (p *stmtParser) parse() (st Stmt, ours bool, err error) {
	first := p.next()
	if first.kind != tokWord {
		return nil, false, nil
	}
	switch strings.ToUpper(p.lx.text(first)) {
	case "SET":
		return p.parseSet()
	case "RESET":
		st, err := p.parseReset()
		return st, true, err
	case "CREATE", "DROP":
		temporary, system, ok := p.functionPrefix()
		if !ok {
			return nil, false, nil
		}
		if p.lx.isWord(first, "CREATE") {
			st, err := p.parseCreateFunction(temporary, system)
			return st, true, err
		}
		st, err := p.parseDropFunction(temporary, system)
		return st, true, err
	case "SHOW":
		if !p.lx.isWord(p.peek(), "FUNCTIONS") {
			return nil, false, nil
		}
		p.next()
		return &ShowFunctionsStmt{}, true, p.end("SHOW FUNCTIONS takes no arguments")
	case "DESCRIBE", "DESC":
		if !p.lx.isWord(p.peek(), "FUNCTION") {
			return nil, false, nil
		}
		p.next()
		name, err := p.functionName("DESCRIBE FUNCTION")
		if err != nil {
			return nil, true, err
		}
		return &DescribeFunctionStmt{Name: name}, true, p.end("DESCRIBE FUNCTION takes one function name")
	}
	return nil, false, nil
}

// next returns the next token. split has already lexed this text, so a
// lexing error cannot happen here; should it, it reads as the end.
func (p *stmtParser) next() token {
	t, err := p.lx.next()
	if err != nil {
		return token{kind: tokEOF, start: len(p.lx.src), end: len(p.lx.src)}
	}
	return t
}

func (p *stmtParser) peek() token {
	save := p.lx.off
	t := p.next()
	p.lx.off = save
	return t
}

func (p *stmtParser) errAt(off int, format string, args ...any) *ParseError {
	l, c := p.loc.at(off)
	return &ParseError{Line: l, Column: c, Near: near(p.lx.src, off), Msg: fmt.Sprintf(format, args...)}
}

// end checks that nothing follows; msg says why something may not.
func (p *stmtParser) end(msg string) error {
	t := p.next()
	if t.kind == tokEOF {
		return nil
	}
	return p.errAt(t.start, "unexpected %q: %s", p.lx.text(t), msg)
}

// tidbSetForms are the words after SET that start tidb's own SET statements
// (SET NAMES utf8, SET GLOBAL x = 1, ...). Followed by '=' they are keys.
var tidbSetForms = map[string]bool{
	"NAMES": true, "CHARSET": true, "CHARACTER": true, "PASSWORD": true, "TRANSACTION": true,
	"GLOBAL": true, "SESSION": true, "LOCAL": true, "INSTANCE": true, "PERSIST": true,
	"PERSIST_ONLY": true, "ROLE": true, "DEFAULT": true, "CONFIG": true, "RESOURCE": true,
	"SESSION_STATES": true, "BINDING": true,
}

// parseSet reads what follows SET: nothing, or key = value.
func (p *stmtParser) parseSet() (Stmt, bool, error) {
	t := p.peek()
	switch {
	case t.kind == tokEOF:
		return &ShowSettingsStmt{}, true, nil
	case p.lx.isPunct(t, "@"), t.kind == tokBang:
		return nil, false, nil
	}
	key, bare, err := p.settingKey("SET")
	if err != nil {
		return nil, true, err
	}
	eq := p.next()
	if bare && tidbSetForms[strings.ToUpper(key)] && !p.lx.isPunct(eq, "=") {
		return nil, false, nil
	}
	if !p.lx.isPunct(eq, "=") {
		return nil, true, p.errAt(eq.start, "expected '=' after setting key %q", key)
	}
	value, err := p.settingValue(key)
	if err != nil {
		return nil, true, err
	}
	if err := p.end(fmt.Sprintf("SET takes one key = value; quote a value of %q that has spaces", key)); err != nil {
		return nil, true, err
	}
	return &SetStmt{Key: key, Value: value}, true, nil
}

// parseReset reads what follows RESET: nothing, or a key.
func (p *stmtParser) parseReset() (Stmt, error) {
	if p.peek().kind == tokEOF {
		return &ResetStmt{All: true}, nil
	}
	key, _, err := p.settingKey("RESET")
	if err != nil {
		return nil, err
	}
	if err := p.end("RESET takes one setting key"); err != nil {
		return nil, err
	}
	return &ResetStmt{Key: key}, nil
}

func isKeyByte(b byte) bool { return isWordByte(b) || b == '.' || b == '-' }

// settingKey reads a quoted key or a bare run of key characters (letters,
// digits, _ $ . -), which the word lexer alone would cut at '.' and '-'.
// bare reports an unquoted key.
func (p *stmtParser) settingKey(stmt string) (key string, bare bool, err error) {
	t := p.peek()
	switch t.kind {
	case tokEOF:
		return "", false, p.errAt(t.start, "%s needs a setting key", stmt)
	case tokString, tokIdent:
		p.next()
		key = unquote(p.lx.text(t))
		if key == "" {
			return "", false, p.errAt(t.start, "empty setting key")
		}
		return key, false, nil
	}
	src := p.lx.src
	end := t.start
	for end < len(src) && isKeyByte(src[end]) && !isDashComment(src, end) {
		end++
	}
	if end == t.start {
		return "", false, p.errAt(t.start, "expected a setting key after %s, found %q", stmt, p.lx.text(t))
	}
	p.lx.off = end
	return src[t.start:end], true, nil
}

// settingValue reads a quoted value or a bare run up to whitespace or a
// comment: words, numbers, dashed words, paths.
func (p *stmtParser) settingValue(key string) (string, error) {
	t := p.peek()
	switch t.kind {
	case tokEOF:
		return "", p.errAt(t.start, "missing value for setting %q", key)
	case tokString, tokIdent:
		p.next()
		return unquote(p.lx.text(t)), nil
	}
	src := p.lx.src
	end := t.start
	for end < len(src) {
		c := src[end]
		if isSpace(c) || c == '\'' || c == '"' || c == '`' {
			break
		}
		if ce, _, _ := commentEnd(src, end); ce != 0 {
			break
		}
		end++
	}
	if end == t.start {
		return "", p.errAt(t.start, "expected a value for setting %q", key)
	}
	p.lx.off = end
	return src[t.start:end], nil
}

// functionPrefix reads [TEMPORARY] [SYSTEM] FUNCTION after CREATE or DROP.
// ok is false when FUNCTION does not follow (CREATE TEMPORARY TABLE ...).
func (p *stmtParser) functionPrefix() (temporary, system, ok bool) {
	t := p.next()
	if p.lx.isWord(t, "TEMPORARY") {
		temporary = true
		t = p.next()
	}
	if p.lx.isWord(t, "SYSTEM") {
		system = true
		t = p.next()
	}
	return temporary, system, p.lx.isWord(t, "FUNCTION")
}

// functionName reads a function name: a word or a `quoted` identifier.
func (p *stmtParser) functionName(stmt string) (string, error) {
	t := p.next()
	switch t.kind {
	case tokWord:
		return p.lx.text(t), nil
	case tokIdent:
		if name := unquote(p.lx.text(t)); name != "" {
			return name, nil
		}
		return "", p.errAt(t.start, "empty function name")
	case tokEOF:
		return "", p.errAt(t.start, "%s needs a function name", stmt)
	}
	return "", p.errAt(t.start, "expected a function name, found %q", p.lx.text(t))
}

// optional reads the words of an optional clause such as IF NOT EXISTS. It
// commits only when the first two words match, so that a function named
// "if" still parses; after that a missing word is an error.
func (p *stmtParser) optional(words ...string) (bool, error) {
	save := p.lx.off
	if !p.lx.isWord(p.next(), words[0]) || !p.lx.isWord(p.next(), words[1]) {
		p.lx.off = save
		return false, nil
	}
	for _, w := range words[2:] {
		if t := p.next(); !p.lx.isWord(t, w) {
			return false, p.errAt(t.start, "expected %s", strings.Join(words, " "))
		}
	}
	return true, nil
}

func (p *stmtParser) parseCreateFunction(temporary, system bool) (Stmt, error) {
	ifNotExists, err := p.optional("IF", "NOT", "EXISTS")
	if err != nil {
		return nil, err
	}
	name, err := p.functionName("CREATE FUNCTION")
	if err != nil {
		return nil, err
	}
	if t := p.next(); !p.lx.isWord(t, "AS") {
		return nil, p.errAt(t.start, "expected AS 'module.attribute' after function name %q", name)
	}
	t := p.next()
	if t.kind != tokString {
		return nil, p.errAt(t.start, "expected a quoted 'module.attribute' after AS in function %q", name)
	}
	target := unquote(p.lx.text(t))
	if dot := strings.LastIndexByte(target, '.'); dot <= 0 || dot == len(target)-1 {
		return nil, p.errAt(t.start, "function %q: %q does not name 'module.attribute'", name, target)
	}
	t = p.next()
	switch {
	case t.kind == tokEOF:
		return nil, p.errAt(t.start, "function %q needs LANGUAGE PYTHON", name)
	case !p.lx.isWord(t, "LANGUAGE"):
		return nil, p.errAt(t.start, "expected LANGUAGE PYTHON in function %q", name)
	}
	t = p.next()
	switch {
	case t.kind == tokEOF:
		return nil, p.errAt(t.start, "function %q: LANGUAGE needs a language name", name)
	case !p.lx.isWord(t, "PYTHON"):
		return nil, p.errAt(t.start, "function %q: unsupported language %s: only PYTHON is supported", name, p.lx.text(t))
	}
	if err := p.end("CREATE FUNCTION ends after LANGUAGE PYTHON"); err != nil {
		return nil, err
	}
	return &CreateFunctionStmt{Name: name, Target: target, Language: "PYTHON",
		Temporary: temporary, System: system, IfNotExists: ifNotExists}, nil
}

func (p *stmtParser) parseDropFunction(temporary, system bool) (Stmt, error) {
	ifExists, err := p.optional("IF", "EXISTS")
	if err != nil {
		return nil, err
	}
	name, err := p.functionName("DROP FUNCTION")
	if err != nil {
		return nil, err
	}
	if err := p.end("DROP FUNCTION takes one function name"); err != nil {
		return nil, err
	}
	return &DropFunctionStmt{Name: name, Temporary: temporary, System: system, IfExists: ifExists}, nil
}
