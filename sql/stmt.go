package sql

import "github.com/pingcap/tidb/pkg/parser/ast"

// Stmt is one parsed statement. Parse returns pointers: *TiDBStmt,
// *SetStmt, *ShowSettingsStmt, *ResetStmt, *CreateFunctionStmt,
// *DropFunctionStmt, *ShowFunctionsStmt or *DescribeFunctionStmt.
type Stmt interface{ stmt() }

// TiDBStmt is a statement the tidb parser handled: everything that is not
// one of Taipan's own statements.
type TiDBStmt struct {
	Node ast.StmtNode
	// Text is the statement as given to tidb, without the trailing ';' or
	// surrounding comments, and with LATERAL TABLE( rewritten (lateral.go);
	// offsets in Node (OriginTextPosition) index it.
	Text string
	// Line and Column are where the statement starts in the script.
	Line, Column int

	original string     // the text as written, when edits rewrote it
	edits    []textEdit // what rewriteLateralTable changed
}

// Position returns the script line and column of byte offset off in Text,
// for errors about a node: Position(expr.OriginTextPosition()).
func (s *TiDBStmt) Position(off int) (line, column int) {
	if s.edits == nil {
		return newLocator(s.Text, s.Line, s.Column).at(max(off, 0))
	}
	return newLocator(s.original, s.Line, s.Column).at(originalOffset(s.edits, max(off, 0)))
}

// SetStmt is SET key = value. Key is as written and Value as given, both
// without quotes.
type SetStmt struct{ Key, Value string }

// ShowSettingsStmt is SET alone: list every setting.
type ShowSettingsStmt struct{}

// ResetStmt is RESET key, or RESET alone (All).
type ResetStmt struct {
	Key string
	All bool
}

// CreateFunctionStmt is
// CREATE [TEMPORARY] [SYSTEM] FUNCTION [IF NOT EXISTS] name AS 'module.attribute' LANGUAGE PYTHON.
// Target is the module.attribute string; Language is "PYTHON", the only
// language accepted.
type CreateFunctionStmt struct {
	Name, Target, Language         string
	Temporary, System, IfNotExists bool
}

// DropFunctionStmt is DROP [TEMPORARY] [SYSTEM] FUNCTION [IF EXISTS] name.
type DropFunctionStmt struct {
	Name                        string
	Temporary, System, IfExists bool
}

// ShowFunctionsStmt is SHOW FUNCTIONS.
type ShowFunctionsStmt struct{}

// DescribeFunctionStmt is DESCRIBE FUNCTION name (or DESC FUNCTION name).
type DescribeFunctionStmt struct{ Name string }

func (*TiDBStmt) stmt()             {}
func (*SetStmt) stmt()              {}
func (*ShowSettingsStmt) stmt()     {}
func (*ResetStmt) stmt()            {}
func (*CreateFunctionStmt) stmt()   {}
func (*DropFunctionStmt) stmt()     {}
func (*ShowFunctionsStmt) stmt()    {}
func (*DescribeFunctionStmt) stmt() {}
