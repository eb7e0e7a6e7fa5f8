// The C side of THREAD mode: a few entry points over the CPython C API,
// each of which takes the GIL on entry and releases it before returning,
// so that Go never runs while holding it (except in the Arrow release
// callbacks Python triggers, which only count references).
#ifndef TAIPAN_BRIDGE_H
#define TAIPAN_BRIDGE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

// The Arrow C Data Interface structs, as the specification defines them
// (https://arrow.apache.org/docs/format/CDataInterface.html); the guard is
// the one every copy uses, so this and arrow/cdata's copy agree.
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif  // ARROW_C_DATA_INTERFACE

// Results of the entry points.
enum {
  TP_OK = 0,         // done; no output batch
  TP_BATCH = 1,      // an output batch in the declared output schema
  TP_BATCH_SCHEMA = 2,  // an output batch with its own schema exported
  TP_ERROR = -1,     // Python raised; see tp_error
  TP_CANCELLED = -2  // interrupted by tp_interrupt; see tp_error
};

// tp_error is a Python failure, as taipan.embedded.error_fields gives it.
// The strings are malloc'd; tp_error_free frees them.
typedef struct {
  char* kind;  // the taipan.errors class, "Cancelled" or "InternalError"
  char* function;
  char* message;
  char* traceback;
} tp_error;

// tp_call is the state of one interruptible call, shared between the
// thread that runs it and tp_interrupt. It is read and written only with
// the GIL held.
typedef struct {
  unsigned long thread_id;  // PyThread_get_thread_ident of the running thread
  uint64_t generation;      // which call of its evaluator is running
  int running;
  int interrupted;
} tp_call;

// tp_batch holds the C Data Interface structs of one evaluator: C memory,
// reused for every batch.
typedef struct {
  struct ArrowArray in;
  struct ArrowSchema in_schema;
  struct ArrowArray out;
  struct ArrowSchema out_schema;
} tp_batch;

// tp_export is the C memory of an input batch the engine exported itself
// (batch.go, exportFlat): the batch's parent struct is the caller's, its
// children and every buffer pointer array live in this block, after the
// header. Releasing the parent or a child only counts down `live` and sets
// `released` when it reaches 0: the engine then unpins and frees what the
// batch held, so no release calls back into Go.
typedef struct {
  int64_t live;      // the parent and children not yet released
  int32_t released;  // 1 once live has reached 0
  int32_t pad;
} tp_export;

void tp_export_release(struct ArrowArray* a);
void tp_export_release_child(struct ArrowArray* a);
extern const uint8_t tp_zero_region[64];

int tp_init(const char* program_name, char** info, tp_error* err);
int tp_create(const char* descriptor, Py_ssize_t len, struct ArrowSchema* out_schema,
              PyObject** handle, tp_call* call, uint64_t gen, tp_error* err);
int tp_process(PyObject* handle, tp_batch* b, int with_array, int with_schema,
               int64_t num_rows, tp_call* call, uint64_t gen, tp_error* err);
int tp_finish(PyObject* handle, tp_batch* b, tp_call* call, uint64_t gen, tp_error* err);
int tp_close(PyObject* handle, tp_error* err);
int tp_describe(const char* target, const char* files, Py_ssize_t files_len, char** out,
                Py_ssize_t* out_len, tp_call* call, uint64_t gen, tp_error* err);
int tp_run(const char* source, char** out, tp_call* call, uint64_t gen, tp_error* err);
int tp_interrupt(tp_call* call, uint64_t gen);
void tp_release_struct(struct ArrowArray* a, struct ArrowSchema* s);
void tp_pin_release(struct ArrowArray* a, uintptr_t pins);
void tp_error_free(tp_error* err);

#endif  // TAIPAN_BRIDGE_H
