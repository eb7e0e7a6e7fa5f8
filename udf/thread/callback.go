//go:build cgo

package thread

// Go functions C calls back. This file's preamble may only declare (cgo's
// rule for files with //export).

// #include <stdint.h>
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"runtime/cgo"
)

// taipanUnpin unpins the Go buffers of a batch Python has released. It
// runs on whatever thread dropped Python's last reference, possibly with
// the GIL held, so it only unpins. A panic must not unwind into C: it is
// reported and swallowed.
//
//export taipanUnpin
func taipanUnpin(pins C.uintptr_t) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "taipan: releasing a batch Python held: %v\n", r)
		}
	}()
	h := cgo.Handle(pins)
	h.Value().(*runtime.Pinner).Unpin()
	h.Delete()
	pinnedBatches.Add(-1)
}
