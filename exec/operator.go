// Package exec runs physical plans: vectorized operators that pull Arrow
// record batches from their children.
//
// exec knows nothing of SQL text or of the planner: it must not import
// sql/ or planner/. Python functions reach it only through udf's
// interface, never a mode's package.
//
// Operators work a batch at a time. Rows are moved by gathering whole
// columns at a list of row indices (take), never by boxing values one by
// one; blocking operators (Sort, HashAggregate's input, the build side of
// HashJoin, Window) concatenate what they read into one record and gather
// their output from it in batches of at most BatchSize rows.
//
// Hashing (GROUP BY, DISTINCT, join keys) goes through a byte encoding of
// each row's key, built a column at a time: every integer width encodes as
// BIGINT and FLOAT as DOUBLE, so keys of different widths meet; the planner
// casts keys of other differing types to a common type. Aggregates are
// catalog.GroupsAccumulators fed once per batch with dense group ids; the
// window operator feeds them frames, and reads running frames in one pass
// from accumulators that implement RunningAccumulator.
//
// Memory comes from the allocator in the context (WithAllocator,
// Allocator), so that tests can check that every operator releases all it
// allocates.
package exec

import (
	"context"

	"github.com/apache/arrow/go/v15/arrow"
)

// Operator is one node of a running plan.
//
// The contract:
//   - Open is called once before the first Next; it opens the children.
//   - Next returns the next batch, or (nil, io.EOF) once the stream is done.
//     A batch may have zero rows only if it is not the last; consumers skip
//     such batches. A returned record is owned by the operator and valid
//     until the following call to Next or Close; a consumer that keeps it
//     longer calls Retain (and later Release).
//   - Next checks ctx and returns ctx.Err() once it is cancelled.
//   - Close releases everything the operator holds and closes its
//     children. It is idempotent and safe to call without Open.
//   - Schema is known before Open and never changes.
type Operator interface {
	Open(ctx context.Context) error
	Next(ctx context.Context) (arrow.Record, error)
	Close() error
	Schema() *arrow.Schema
}

// Explainer is implemented by operators that print themselves in EXPLAIN:
// one line for the operator (without its children), e.g.
// "HashAggregate keys=[a] aggs=[count(*)]".
type Explainer interface {
	Explain() string
	Children() []Operator
}
