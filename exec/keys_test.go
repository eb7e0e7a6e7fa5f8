package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/stretchr/testify/require"
)

func TestKeyTableMatchesGroupTable(t *testing.T) {
	// Same ids and the same new rows as the map of encodings, batch after
	// batch, for keys by value and by encoding, with NULLs and enough
	// groups to grow the table several times.
	rng := rand.New(rand.NewPCG(17, 18))
	in := randomSortInput(rng, 6000)
	for i, r := range in.rows {
		if i%3 == 0 {
			r[2] = int64(i) // many distinct BIGINT keys
		}
	}
	for _, keyCols := range [][]int{{2}, {1}, {0}, {6}, {7}, {9}, {4}, {5}, {2, 9}, {3, 10, 5}} {
		t.Run(fmt.Sprint(keyCols), func(t *testing.T) {
			var fast keyTable
			var ref groupTable
			for _, rec := range in.batches(t, 1000) {
				keys := make([]arrow.Array, len(keyCols))
				for i, c := range keyCols {
					keys[i] = rec.Column(c)
				}
				n := int(rec.NumRows())
				gotIDs, wantIDs := make([]uint32, n), make([]uint32, n)
				gotNew, err := fast.assign(keys, n, gotIDs)
				require.NoError(t, err)
				wantNew, err := ref.assign(keys, n, wantIDs)
				require.NoError(t, err)
				require.Equal(t, wantIDs, gotIDs)
				require.Equal(t, wantNew, gotNew)
				require.Equal(t, ref.len(), fast.len())
				rec.Release()
			}
			require.Greater(t, fast.len(), 1)
			fast.reset()
			require.Zero(t, fast.len())
		})
	}
}

func TestKeyTableModes(t *testing.T) {
	in := randomSortInput(rand.New(rand.NewPCG(19, 20)), 10)
	rec := in.batches(t, 10)[0]
	defer rec.Release()
	ids := make([]uint32, 10)
	for _, c := range []struct {
		cols []int
		mode keyTableMode
	}{{[]int{2}, keysByValue}, {[]int{6}, keysByValue}, {[]int{4}, keysByEncoding}, {[]int{2, 1}, keysByEncoding}, {[]int{9}, keysByEncoding}} {
		var g keyTable
		keys := make([]arrow.Array, len(c.cols))
		for i, col := range c.cols {
			keys[i] = rec.Column(col)
		}
		_, err := g.assign(keys, 10, ids)
		require.NoError(t, err)
		require.Equal(t, c.mode, g.mode, "keys %v", c.cols)
	}
}

// groupTable is the reference keyTable is checked against: a Go map
// from each key's encoding.
type groupTable struct {
	ids  map[string]uint32
	keys keyRows
	n    int
}

func (g *groupTable) reset()   { g.ids, g.n = map[string]uint32{}, 0 }
func (g *groupTable) len() int { return g.n }

// assign writes each row's group id into ids and returns the rows that
// started a new group.
func (g *groupTable) assign(keys []arrow.Array, n int, ids []uint32) ([]int32, error) {
	if g.ids == nil {
		g.reset()
	}
	if err := g.keys.encode(keys, n); err != nil {
		return nil, err
	}
	var newRows []int32
	for i := 0; i < n; i++ {
		k := g.keys.key(i)
		id, ok := g.ids[string(k)]
		if !ok {
			id = uint32(g.n)
			g.n++
			g.ids[string(k)] = id
			newRows = append(newRows, int32(i))
		}
		ids[i] = id
	}
	return newRows, nil
}
