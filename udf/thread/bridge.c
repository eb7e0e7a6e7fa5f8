//go:build cgo

// The CPython side of THREAD mode. See bridge.h and the package doc.

#include "bridge.h"

#include <string.h>

// Go: unpins the Go buffers of an exported batch once Python released it.
extern void taipanUnpin(uintptr_t pins);

// taipan.embedded's functions, looked up once at start-up.
static PyObject *fn_create, *fn_process, *fn_finish, *fn_close, *fn_describe, *fn_error_fields,
    *fn_run, *exc_cancelled;

// The thread state of this OS thread, made on its first call and kept for
// good: a call then costs a GIL hand-over, not a thread state.
static __thread PyThreadState* tp_tstate;

static void tp_acquire(void) {
  if (tp_tstate == NULL) {
    // PyGILState_Ensure makes a thread state bound to this OS thread (or
    // finds the one already bound, as on the thread that initialised
    // Python). Never matched by PyGILState_Release, so its count never
    // drops to zero and the state is never deleted.
    PyGILState_Ensure();
    tp_tstate = PyThreadState_Get();
  } else {
    PyEval_RestoreThread(tp_tstate);
  }
}

static void tp_release(void) { PyEval_SaveThread(); }

static char* tp_strdup(const char* s) {
  if (s == NULL) s = "";
  size_t n = strlen(s) + 1;
  char* d = malloc(n);
  if (d != NULL) memcpy(d, s, n);
  return d;
}

static char* tp_str(PyObject* o) {
  const char* s = (o != NULL && PyUnicode_Check(o)) ? PyUnicode_AsUTF8(o) : NULL;
  if (s == NULL) {
    PyErr_Clear();
    s = "";
  }
  return tp_strdup(s);
}

static void tp_set_error(tp_error* err, const char* kind, const char* message) {
  err->kind = tp_strdup(kind);
  err->function = tp_strdup("");
  err->message = tp_strdup(message);
  err->traceback = tp_strdup("");
}

// Fills err from the exception being raised and clears it. GIL held.
static void tp_fetch_error(tp_error* err) {
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  if (type == NULL) {
    tp_set_error(err, "InternalError", "embedded Python: a call failed without an exception");
    return;
  }
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb != NULL && value != NULL) PyException_SetTraceback(value, tb);
  PyObject* fields = NULL;
  if (fn_error_fields != NULL && value != NULL) fields = PyObject_CallOneArg(fn_error_fields, value);
  if (fields != NULL && PyTuple_Check(fields) && PyTuple_GET_SIZE(fields) == 4) {
    err->kind = tp_str(PyTuple_GET_ITEM(fields, 0));
    err->function = tp_str(PyTuple_GET_ITEM(fields, 1));
    err->message = tp_str(PyTuple_GET_ITEM(fields, 2));
    err->traceback = tp_str(PyTuple_GET_ITEM(fields, 3));
  } else {
    // Start-up, before taipan.embedded is there, or error_fields failed.
    PyErr_Clear();
    PyObject* s = value != NULL ? PyObject_Str(value) : NULL;
    const char* name = ((PyTypeObject*)type)->tp_name;
    const char* text = s != NULL ? PyUnicode_AsUTF8(s) : NULL;
    if (text == NULL) PyErr_Clear();
    size_t n = strlen(name) + (text ? strlen(text) : 0) + 3;
    char* msg = malloc(n);
    if (msg != NULL) snprintf(msg, n, "%s%s%s", name, text && *text ? ": " : "", text ? text : "");
    tp_set_error(err, "InternalError", msg != NULL ? msg : name);
    free(msg);
    Py_XDECREF(s);
  }
  Py_XDECREF(fields);
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(tb);
}

void tp_error_free(tp_error* err) {
  free(err->kind);
  free(err->function);
  free(err->message);
  free(err->traceback);
  memset(err, 0, sizeof *err);
}

// tp_begin and tp_end bracket an interruptible stretch of Python. GIL held.
static void tp_begin(tp_call* call, uint64_t gen) {
  call->thread_id = PyThread_get_thread_ident();
  call->generation = gen;
  call->interrupted = 0;
  call->running = 1;
}

// Returns whether the call was interrupted. An interruption that arrived
// after the last bytecode is still pending on this thread: clear it, or it
// would hit the next call this thread runs.
static int tp_end(tp_call* call) {
  call->running = 0;
  if (call->interrupted) {
    PyThreadState_SetAsyncExc(call->thread_id, NULL);
    return 1;
  }
  return 0;
}

// The status of a call that returned result (NULL: raised). GIL held.
static int tp_status(PyObject* result, int interrupted, tp_error* err) {
  if (result != NULL) return TP_OK;
  int cancelled = PyErr_ExceptionMatches(exc_cancelled) || interrupted;
  tp_fetch_error(err);
  return cancelled ? TP_CANCELLED : TP_ERROR;
}

static PyObject* tp_import(const char* module, const char* name) {
  PyObject* m = PyImport_ImportModule(module);
  if (m == NULL) return NULL;
  PyObject* f = PyObject_GetAttrString(m, name);
  Py_DECREF(m);
  return f;
}

int tp_init(const char* program_name, char** info, tp_error* err) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  // Go owns the process's signals: Ctrl-C is the engine's to handle.
  config.install_signal_handlers = 0;
  config.parse_argv = 0;
  // The program name is the virtual environment's bin/python: Python then
  // finds pyvenv.cfg beside it and puts the venv's site-packages on
  // sys.path, as the venv's own interpreter would.
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, program_name);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    tp_set_error(err, "InternalError", status.err_msg ? status.err_msg : "Python did not start");
    return TP_ERROR;
  }
  tp_tstate = PyThreadState_Get();
  int rc = TP_OK;
  PyObject* started = NULL;
  PyObject* start = tp_import("taipan.embedded", "start");
  if (start == NULL) goto fail;
  fn_create = tp_import("taipan.embedded", "create");
  fn_process = tp_import("taipan.embedded", "process");
  fn_finish = tp_import("taipan.embedded", "finish");
  fn_close = tp_import("taipan.embedded", "close");
  fn_describe = tp_import("taipan.embedded", "describe");
  fn_error_fields = tp_import("taipan.embedded", "error_fields");
  fn_run = tp_import("taipan.embedded", "run");
  exc_cancelled = tp_import("taipan.embedded", "Cancelled");
  if (!fn_create || !fn_process || !fn_finish || !fn_close || !fn_describe || !fn_error_fields ||
      !fn_run || !exc_cancelled)
    goto fail;
  started = PyObject_CallNoArgs(start);
  if (started == NULL) goto fail;
  *info = tp_str(started);
  goto done;
fail:
  tp_fetch_error(err);
  rc = TP_ERROR;
done:
  Py_XDECREF(start);
  Py_XDECREF(started);
  // Release the GIL: from here on, every entry point takes it and gives it
  // back.
  tp_release();
  return rc;
}

int tp_create(const char* descriptor, Py_ssize_t len, struct ArrowSchema* out_schema,
              PyObject** handle, tp_call* call, uint64_t gen, tp_error* err) {
  tp_acquire();
  tp_begin(call, gen);
  PyObject* result = PyObject_CallFunction(fn_create, "y#OK", descriptor, len, Py_None,
                                           (unsigned long long)(uintptr_t)out_schema);
  int rc = tp_status(result, tp_end(call), err);
  *handle = result;
  tp_release();
  return rc;
}

// Calls fn(args...) and turns its int result into a status. GIL held.
static int tp_batch_result(PyObject* result, tp_call* call, tp_error* err) {
  int rc = tp_status(result, tp_end(call), err);
  if (rc == TP_OK) {
    long v = PyLong_AsLong(result);
    if (v < 0 || v > TP_BATCH_SCHEMA) {
      PyErr_Clear();
      tp_set_error(err, "InternalError", "embedded Python: a batch call returned a bad status");
      rc = TP_ERROR;
    } else {
      rc = (int)v;
    }
  }
  Py_XDECREF(result);
  return rc;
}

int tp_process(PyObject* handle, tp_batch* b, int with_array, int with_schema,
               int64_t num_rows, tp_call* call, uint64_t gen, tp_error* err) {
  tp_acquire();
  tp_begin(call, gen);
  PyObject* args[] = {
      handle,
      PyLong_FromVoidPtr(with_array ? (void*)&b->in : NULL),
      PyLong_FromVoidPtr(with_schema ? (void*)&b->in_schema : NULL),
      PyLong_FromLongLong(num_rows),
      PyLong_FromVoidPtr(&b->out),
      PyLong_FromVoidPtr(&b->out_schema),
  };
  PyObject* result = NULL;
  if (args[1] && args[2] && args[3] && args[4] && args[5])
    result = PyObject_Vectorcall(fn_process, args, 6, NULL);
  for (int i = 1; i < 6; i++) Py_XDECREF(args[i]);
  int rc = tp_batch_result(result, call, err);
  // Python moved the input out of b->in when it imported it; if it failed
  // before, release it here so that the engine's buffers are let go.
  tp_release_struct(&b->in, &b->in_schema);
  if (rc < 0) tp_release_struct(&b->out, &b->out_schema);
  tp_release();
  return rc;
}

int tp_finish(PyObject* handle, tp_batch* b, tp_call* call, uint64_t gen, tp_error* err) {
  tp_acquire();
  tp_begin(call, gen);
  PyObject* args[] = {handle, PyLong_FromVoidPtr(&b->out), PyLong_FromVoidPtr(&b->out_schema)};
  PyObject* result = NULL;
  if (args[1] && args[2]) result = PyObject_Vectorcall(fn_finish, args, 3, NULL);
  Py_XDECREF(args[1]);
  Py_XDECREF(args[2]);
  int rc = tp_batch_result(result, call, err);
  if (rc < 0) tp_release_struct(&b->out, &b->out_schema);
  tp_release();
  return rc;
}

int tp_close(PyObject* handle, tp_error* err) {
  tp_acquire();
  PyObject* result = PyObject_CallOneArg(fn_close, handle);
  int rc = TP_OK;
  if (result == NULL) {
    tp_fetch_error(err);
    rc = TP_ERROR;
  }
  Py_XDECREF(result);
  Py_DECREF(handle);
  tp_release();
  return rc;
}

int tp_describe(const char* target, const char* files, Py_ssize_t files_len, char** out,
                Py_ssize_t* out_len, tp_call* call, uint64_t gen, tp_error* err) {
  tp_acquire();
  tp_begin(call, gen);
  PyObject* result = NULL;
  // files: the paths, each ended by a NUL.
  PyObject* list = PyList_New(0);
  for (Py_ssize_t i = 0; list != NULL && i < files_len;) {
    Py_ssize_t n = (Py_ssize_t)strlen(files + i);
    PyObject* s = PyUnicode_DecodeFSDefaultAndSize(files + i, n);
    if (s == NULL || PyList_Append(list, s) < 0) Py_CLEAR(list);
    Py_XDECREF(s);
    i += n + 1;
  }
  if (list != NULL) result = PyObject_CallFunction(fn_describe, "sO", target, list);
  Py_XDECREF(list);
  int rc = tp_status(result, tp_end(call), err);
  if (rc == TP_OK) {
    char* data;
    if (PyBytes_AsStringAndSize(result, &data, out_len) < 0) {
      rc = tp_status(NULL, 0, err);
    } else {
      *out = malloc(*out_len > 0 ? (size_t)*out_len : 1);
      if (*out_len > 0) memcpy(*out, data, (size_t)*out_len);
    }
  }
  Py_XDECREF(result);
  tp_release();
  return rc;
}

int tp_run(const char* source, char** out, tp_call* call, uint64_t gen, tp_error* err) {
  tp_acquire();
  tp_begin(call, gen);
  PyObject* result = PyObject_CallFunction(fn_run, "s", source);
  int rc = tp_status(result, tp_end(call), err);
  if (rc == TP_OK) *out = tp_str(result);
  Py_XDECREF(result);
  tp_release();
  return rc;
}

// Raises taipan.embedded.Cancelled in the thread running call, if it still
// runs generation gen. Returns 1 if it did, 0 once that call has ended.
// It waits for the GIL, which a thread running Python bytecode hands over
// within the switch interval.
int tp_interrupt(tp_call* call, uint64_t gen) {
  tp_acquire();
  int running = call->running && call->generation == gen;
  if (running) {
    PyThreadState_SetAsyncExc(call->thread_id, exc_cancelled);
    call->interrupted = 1;
  }
  tp_release();
  return running;
}

// Releases what an Arrow struct still owns (a no-op once a consumer moved
// it out).
void tp_release_struct(struct ArrowArray* a, struct ArrowSchema* s) {
  if (a != NULL && a->release != NULL) a->release(a);
  if (s != NULL && s->release != NULL) s->release(s);
}

// A buffer of no bytes is exported as this, not NULL, for consumers that
// read a NULL data buffer badly (as Go's cdata does, apache/arrow#33936).
const uint8_t tp_zero_region[64] __attribute__((aligned(64)));

static void tp_export_unref(tp_export* e) {
  if (__atomic_sub_fetch(&e->live, 1, __ATOMIC_ACQ_REL) == 0)
    __atomic_store_n(&e->released, 1, __ATOMIC_RELEASE);
}

// The parent's release releases the children still in place (a consumer
// may have moved some out: they are released on their own).
void tp_export_release(struct ArrowArray* a) {
  for (int64_t i = 0; i < a->n_children; i++) {
    struct ArrowArray* c = a->children[i];
    if (c->release != NULL) c->release(c);
  }
  a->release = NULL;
  tp_export_unref((tp_export*)a->private_data);
}

void tp_export_release_child(struct ArrowArray* a) {
  a->release = NULL;
  tp_export_unref((tp_export*)a->private_data);
}

// An exported batch whose Go buffers are pinned: its release callback
// releases it, then unpins them.
typedef struct {
  void (*release)(struct ArrowArray*);
  void* private_data;
  uintptr_t pins;
} tp_pinned;

static void tp_release_pinned(struct ArrowArray* a) {
  tp_pinned* p = a->private_data;
  a->release = p->release;
  a->private_data = p->private_data;
  uintptr_t pins = p->pins;
  free(p);
  a->release(a);
  taipanUnpin(pins);
}

void tp_pin_release(struct ArrowArray* a, uintptr_t pins) {
  tp_pinned* p = malloc(sizeof *p);
  if (p == NULL) abort();
  p->release = a->release;
  p->private_data = a->private_data;
  p->pins = pins;
  a->release = tp_release_pinned;
  a->private_data = p;
}
