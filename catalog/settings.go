package catalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Setting describes one known setting: its default and how values are
// checked and normalised.
type Setting struct {
	Key         string
	Default     string
	Description string
	// Normalize checks a value and returns it in canonical form; its error
	// names the allowed values.
	Normalize func(v string) (string, error)
}

// Setting keys.
const (
	ExecutionModeKey = "python.execution-mode"
	PythonFilesKey   = "python.files"
	PythonExecKey    = "python.executable"
	BatchSizeKey     = "python.fn-execution.arrow.batch.size"
)

// knownSettings is the registry of python.* settings; keys outside
// python.* are free-form job parameters.
var knownSettings = []Setting{
	{Key: ExecutionModeKey, Default: "process", Description: "where Python functions run: process or thread",
		Normalize: func(v string) (string, error) {
			switch l := strings.ToLower(v); l {
			case "process", "thread":
				return l, nil
			}
			return "", fmt.Errorf("invalid value %q for %s: allowed values are 'process' and 'thread'", v, ExecutionModeKey)
		}},
	{Key: PythonFilesKey, Default: "", Description: "comma-separated .py files, .zip archives or directories made importable",
		Normalize: func(v string) (string, error) { return v, nil }},
	{Key: PythonExecKey, Default: "", Description: "interpreter of PROCESS-mode workers (empty: the set-up's environment)",
		Normalize: func(v string) (string, error) { return v, nil }},
	{Key: BatchSizeKey, Default: "10000", Description: "most rows in one Arrow batch sent to Python",
		Normalize: func(v string) (string, error) {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return "", fmt.Errorf("invalid value %q for %s: allowed values are positive integers", v, BatchSizeKey)
			}
			return strconv.Itoa(n), nil
		}},
}

func lookupSetting(k string) (Setting, bool) {
	for _, s := range knownSettings {
		if s.Key == k {
			return s, true
		}
	}
	return Setting{}, false
}

// KnownSettings lists the registered settings in key order.
func KnownSettings() []Setting {
	out := append([]Setting(nil), knownSettings...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Settings is one session's settings. The zero value is not usable; call
// NewSettings. Not safe for concurrent use: a session owns it.
type Settings struct {
	values map[string]string
}

// NewSettings returns settings at their defaults.
func NewSettings() *Settings { return &Settings{values: map[string]string{}} }

// Clone copies s.
func (s *Settings) Clone() *Settings {
	c := NewSettings()
	for k, v := range s.values {
		c.values[k] = v
	}
	return c
}

func normKey(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// Set validates and stores a value. An unknown python.* key is an error
// listing the valid ones; a bad value an error naming the allowed values.
func (s *Settings) Set(k, v string) error {
	nk := normKey(k)
	if nk == "" {
		return fmt.Errorf("empty setting name")
	}
	if known, ok := lookupSetting(nk); ok {
		nv, err := known.Normalize(v)
		if err != nil {
			return err
		}
		s.values[nk] = nv
		return nil
	}
	if strings.HasPrefix(nk, "python.") {
		keys := make([]string, 0, len(knownSettings))
		for _, ks := range KnownSettings() {
			keys = append(keys, ks.Key)
		}
		return fmt.Errorf("unknown setting %q: valid python.* settings are %s", k, strings.Join(keys, ", "))
	}
	// Free-form job parameters keep the key as written.
	s.values[strings.TrimSpace(k)] = v
	return nil
}

// Reset returns one key to its default (free-form keys are removed).
// Resetting an unknown python.* key is an error, like setting one.
func (s *Settings) Reset(k string) error {
	nk := normKey(k)
	if _, ok := lookupSetting(nk); !ok && strings.HasPrefix(nk, "python.") {
		return s.Set(k, "")
	}
	for key := range s.values {
		if normKey(key) == nk {
			delete(s.values, key)
		}
	}
	return nil
}

// ResetAll returns every setting to its default.
func (s *Settings) ResetAll() { s.values = map[string]string{} }

// Get returns a setting's value: the set value, else the default; ok is
// false for a free-form key never set.
func (s *Settings) Get(k string) (v string, ok bool) {
	nk := normKey(k)
	if v, ok := s.values[nk]; ok {
		return v, true
	}
	if known, ok := lookupSetting(nk); ok {
		return known.Default, true
	}
	for key, v := range s.values {
		if normKey(key) == nk {
			return v, true
		}
	}
	return "", false
}

// Entry is one line of SET's listing.
type Entry struct{ Key, Value, Default string }

// List returns every known setting and every job parameter set, by key.
func (s *Settings) List() []Entry {
	var out []Entry
	for _, ks := range knownSettings {
		v, _ := s.Get(ks.Key)
		out = append(out, Entry{ks.Key, v, ks.Default})
	}
	for k, v := range s.values {
		if _, ok := lookupSetting(normKey(k)); !ok {
			out = append(out, Entry{k, v, ""})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ExecutionMode is python.execution-mode: "process" or "thread".
func (s *Settings) ExecutionMode() string { v, _ := s.Get(ExecutionModeKey); return v }

// BatchSize is python.fn-execution.arrow.batch.size.
func (s *Settings) BatchSize() int {
	v, _ := s.Get(BatchSizeKey)
	n, _ := strconv.Atoi(v)
	if n < 1 {
		n = 10000
	}
	return n
}
