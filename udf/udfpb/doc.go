// Package udfpb holds the function descriptor of Python operations, the
// protobuf message udf.proto defines and the Go code generated from it
// (udf.pb.go; regenerate with the commands at the top of udf.proto, never
// by hand).
//
// An Operation tells the Python runtime which functions to import, how the
// columns of each Arrow batch feed their calls (chained calls nested, so
// that one projection's calls fuse into one operation), and the job
// parameters. The same message serves THREAD and PROCESS mode; the Arrow
// batches each kind takes and returns are documented in
// udf/python/taipan/operations.py. FunctionSignature is what the runtime
// reports about a function when CREATE FUNCTION imports it.
//
// This package imports only the protobuf runtime: everything in udf/ and
// above may import it.
package udfpb
