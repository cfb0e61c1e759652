/*
 * cachelens._speedups: the hit path of a memoized function in C (optional; the pure-Python call
 * path in call_path.py is the reference and the fallback when this module is not built).
 *
 * A HitPath answers one shape of call itself: exactly `nparams` positional arguments (1 or 2), no
 * keyword. It looks the argument (or the pair) up in the in-memory store's dict, whose entries are
 * lists [value, expires_at, used, size]; a live entry is marked used, counted and returned. Any
 * other call, a miss, an expired or odd entry, or an error while looking up (an unhashable
 * argument) goes to `fallback`, the generated Python wrapper, unchanged. So the C path decides
 * nothing the Python path does not also decide the same way; it only answers sooner.
 *
 * The global interpreter lock is held throughout, so `hits` needs no atomic operation.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <time.h>

typedef struct {
    PyObject_HEAD
    PyObject *data;        /* the store's dict (or OrderedDict): key -> entry list */
    PyObject *fallback;    /* the Python call path */
    PyObject *clock;       /* NULL: CLOCK_MONOTONIC in seconds (time.monotonic); else a callable */
    PyObject *dict;        /* __dict__ (functools.update_wrapper writes __name__, __wrapped__...) */
    PyObject *weakreflist;
    Py_ssize_t nparams;
    Py_ssize_t hits;
    int ttl;               /* entries carry an expiry time (a float) */
    vectorcallfunc vectorcall;
} HitPath;

/* time.monotonic(), computed as CPython computes it (nanoseconds, then one division). */
static int
monotonic_seconds(double *out)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return -1;
    }
    long long ns = (long long)ts.tv_sec * 1000000000LL + (long long)ts.tv_nsec;
    if (ns % 1000000000LL == 0) {
        *out = (double)(ns / 1000000000LL);
    }
    else {
        *out = (double)ns / 1e9;
    }
    return 0;
}

static PyObject *
hitpath_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    HitPath *self = (HitPath *)op;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs != self->nparams) {
        goto fallback;
    }
    PyObject *key;
    if (nargs == 1) {
        key = args[0];
        Py_INCREF(key);
    }
    else {
        key = PyTuple_New(nargs);
        if (key == NULL) {
            PyErr_Clear();
            goto fallback;
        }
        for (Py_ssize_t i = 0; i < nargs; i++) {
            Py_INCREF(args[i]);
            PyTuple_SET_ITEM(key, i, args[i]);
        }
    }
    PyObject *entry = PyDict_GetItemWithError(self->data, key); /* borrowed */
    Py_DECREF(key);
    if (entry == NULL) {
        PyErr_Clear(); /* a miss, or an argument that cannot be looked up as it is */
        goto fallback;
    }
    if (!PyList_CheckExact(entry) || PyList_GET_SIZE(entry) < 3) {
        goto fallback;
    }
    Py_INCREF(entry); /* the clock below may run Python code */
    if (self->ttl) {
        PyObject *expires = PyList_GET_ITEM(entry, 1);
        if (!PyFloat_CheckExact(expires)) {
            Py_DECREF(entry);
            goto fallback;
        }
        double limit = PyFloat_AS_DOUBLE(expires);
        double now;
        if (self->clock == NULL) {
            if (monotonic_seconds(&now) != 0) {
                Py_DECREF(entry);
                goto fallback;
            }
        }
        else {
            PyObject *reading = PyObject_CallNoArgs(self->clock);
            if (reading == NULL) {
                PyErr_Clear();
                Py_DECREF(entry);
                goto fallback;
            }
            now = PyFloat_AsDouble(reading);
            Py_DECREF(reading);
            if (now == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                Py_DECREF(entry);
                goto fallback;
            }
        }
        if (!(now < limit)) {
            Py_DECREF(entry);
            goto fallback;
        }
        if (PyList_GET_SIZE(entry) < 3) { /* the clock changed the entry: let Python decide */
            Py_DECREF(entry);
            goto fallback;
        }
    }
    PyObject *value = PyList_GET_ITEM(entry, 0);
    Py_INCREF(value);
    PyObject *used = PyList_GET_ITEM(entry, 2);
    Py_INCREF(Py_True);
    PyList_SET_ITEM(entry, 2, Py_True);
    Py_XDECREF(used);
    self->hits++;
    Py_DECREF(entry);
    return value;

fallback:
    return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
}

static PyObject *
hitpath_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fallback", "nparams", NULL};
    PyObject *fallback;
    Py_ssize_t nparams;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "On:HitPath", kwlist, &fallback, &nparams)) {
        return NULL;
    }
    if (!PyCallable_Check(fallback) || nparams < 1 || nparams > 2) {
        PyErr_SetString(PyExc_ValueError, "HitPath(fallback, nparams): a callable and 1 or 2");
        return NULL;
    }
    HitPath *self = (HitPath *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->data = PyDict_New();
    if (self->data == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    Py_INCREF(fallback);
    self->fallback = fallback;
    self->clock = NULL;
    self->dict = NULL;
    self->weakreflist = NULL;
    self->nparams = nparams;
    self->hits = 0;
    self->ttl = 0;
    self->vectorcall = hitpath_vectorcall;
    return (PyObject *)self;
}

static int
hitpath_traverse(HitPath *self, visitproc visit, void *arg)
{
    Py_VISIT(self->data);
    Py_VISIT(self->fallback);
    Py_VISIT(self->clock);
    Py_VISIT(self->dict);
    return 0;
}

static int
hitpath_clear(HitPath *self)
{
    Py_CLEAR(self->data);
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->clock);
    Py_CLEAR(self->dict);
    return 0;
}

static void
hitpath_dealloc(HitPath *self)
{
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    hitpath_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* bind(data, clock, ttl): the entries to read, the clock of their expiry (None: time.monotonic),
   and whether every entry has an expiry. */
static PyObject *
hitpath_bind(HitPath *self, PyObject *args)
{
    PyObject *data, *clock;
    int ttl;
    if (!PyArg_ParseTuple(args, "OOp:bind", &data, &clock, &ttl)) {
        return NULL;
    }
    if (!PyDict_Check(data)) {
        PyErr_SetString(PyExc_TypeError, "bind: data must be a dict");
        return NULL;
    }
    if (clock != Py_None && !PyCallable_Check(clock)) {
        PyErr_SetString(PyExc_TypeError, "bind: clock must be callable or None");
        return NULL;
    }
    Py_INCREF(data);
    Py_SETREF(self->data, data);
    if (clock == Py_None) {
        Py_CLEAR(self->clock);
    }
    else {
        Py_INCREF(clock);
        Py_XSETREF(self->clock, clock);
    }
    self->ttl = ttl;
    Py_RETURN_NONE;
}

static PyObject *
hitpath_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;
    }
    return PyMethod_New(self, obj);
}

static PyObject *
hitpath_repr(PyObject *self)
{
    PyObject *name = PyObject_GetAttrString(self, "__qualname__");
    if (name == NULL) {
        PyErr_Clear();
        return PyUnicode_FromFormat("<memoized function at %p>", self);
    }
    PyObject *repr = PyUnicode_FromFormat("<memoized function %S>", name);
    Py_DECREF(name);
    return repr;
}

/* Pickled by reference, like a function: by its qualified name in its module. */
static PyObject *
hitpath_reduce(PyObject *self, PyObject *unused)
{
    return PyObject_GetAttrString(self, "__qualname__");
}

static PyMethodDef hitpath_methods[] = {
    {"bind", (PyCFunction)hitpath_bind, METH_VARARGS, "bind(data, clock, ttl)"},
    {"__reduce__", hitpath_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef hitpath_members[] = {
    {"hits", T_PYSSIZET, offsetof(HitPath, hits), 0, "hits answered here"},
    {"__dictoffset__", T_PYSSIZET, offsetof(HitPath, dict), READONLY},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(HitPath, weakreflist), READONLY},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(HitPath, vectorcall), READONLY},
    {NULL},
};

static PyGetSetDef hitpath_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL},
};

static PyTypeObject HitPathType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cachelens._speedups.HitPath",
    .tp_basicsize = sizeof(HitPath),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = "The C hit path of a memoized function (see call_path.py).",
    .tp_new = hitpath_new,
    .tp_dealloc = (destructor)hitpath_dealloc,
    .tp_repr = hitpath_repr,
    .tp_traverse = (traverseproc)hitpath_traverse,
    .tp_clear = (inquiry)hitpath_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(HitPath, vectorcall),
    .tp_dictoffset = offsetof(HitPath, dict),
    .tp_weaklistoffset = offsetof(HitPath, weakreflist),
    .tp_descr_get = hitpath_get,
    .tp_methods = hitpath_methods,
    .tp_members = hitpath_members,
    .tp_getset = hitpath_getset,
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cachelens._speedups",
    .m_doc = "The optional C hit path of cachelens.memoize.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&HitPathType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&speedups_module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&HitPathType);
    if (PyModule_AddObject(m, "HitPath", (PyObject *)&HitPathType) < 0) {
        Py_DECREF(&HitPathType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
