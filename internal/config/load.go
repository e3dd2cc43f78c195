package config

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadOptions carries Load's dependencies; zero values use the process's.
type LoadOptions struct {
	// LookupEnv resolves ${NAME} references. Default os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads *File secrets. Default os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	return o
}

// LoadFile reads, defaults and validates the config at path. An empty path
// yields the defaults (console adapter, no Slack). Every problem is reported
// in one Problems error.
func LoadFile(path string, opts LoadOptions) (*Config, error) {
	opts = opts.withDefaults()
	if path == "" {
		return Parse(nil, opts)
	}
	data, err := opts.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data, opts)
}

// Parse is LoadFile for config bytes already in memory.
func Parse(data []byte, opts LoadOptions) (*Config, error) {
	opts = opts.withDefaults()
	var cfg Config
	var problems Problems

	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	switch err := dec.Decode(&root); {
	case errors.Is(err, io.EOF):
		// An empty file is a valid config: everything defaults.
	case err != nil:
		return nil, Problems{{Message: fmt.Sprintf("config is not valid YAML: %v", err)}}
	default:
		var extra yaml.Node
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			problems.add("", "config must be a single YAML document")
		}
		doc := &root
		if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
			doc = doc.Content[0]
		}
		if doc.Kind == yaml.MappingNode {
			w := walker{lookupEnv: opts.LookupEnv, problems: &problems}
			w.walk(doc, reflect.TypeOf(cfg), "")
			if err := doc.Decode(&cfg); err != nil {
				// The walker has usually named the key already; yaml's own
				// message only gives a line.
				if len(problems) == 0 {
					problems.add("", "%v", err)
				}
				return nil, problems
			}
		} else if !(doc.Kind == yaml.ScalarNode && doc.Tag == "!!null") {
			problems.add("", "config must be a YAML mapping of keys to values")
		}
	}
	if problems.has("") {
		return nil, problems
	}

	// Keep going after unknown keys and unset variables so that one run
	// lists every problem, but report each key once.
	problems.addNew(cfg.readSecretFiles(opts.ReadFile))
	cfg.ApplyDefaults()
	for _, p := range cfg.Validate() {
		// A secret whose file could not be read is reported at the *File
		// key, not again as missing.
		if !problems.has(p.Key + "File") {
			problems.addNew(Problems{p})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return &cfg, nil
}

// readSecretFiles resolves the *File variants of secrets.
func (c *Config) readSecretFiles(readFile func(string) ([]byte, error)) Problems {
	var ps Problems
	resolve := func(key string, value *Secret, file string) {
		if file == "" {
			return
		}
		if *value != "" {
			ps.add(key+"File", "set either %s or %sFile, not both", key, key)
			return
		}
		b, err := readFile(file)
		if err != nil {
			ps.add(key+"File", "cannot read secret file: %v", err)
			return
		}
		*value = Secret(strings.TrimSpace(string(b)))
		if *value == "" {
			ps.add(key+"File", "secret file %s is empty", file)
		}
	}
	resolve("slack.botToken", &c.Slack.BotToken, c.Slack.BotTokenFile)
	resolve("slack.appToken", &c.Slack.AppToken, c.Slack.AppTokenFile)
	return ps
}

var (
	timeType        = reflect.TypeOf(time.Time{})
	textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

var envRef = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// walker checks a YAML tree against the Config type: unknown keys are
// problems (with a hint when only the case is wrong) and ${ENV} references in
// string values are expanded in place before decoding.
type walker struct {
	lookupEnv func(string) (string, bool)
	problems  *Problems
}

func (w walker) walk(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType || reflect.PointerTo(t).Implements(textUnmarshaler) {
		// A scalar with its own syntax: check it here so the problem names
		// the key, then blank it so decoding the rest can go on.
		if isNull(n) {
			return
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			msg := err.Error()
			if te, ok := errors.AsType[*yaml.TypeError](err); ok && len(te.Errors) > 0 {
				msg = te.Errors[0]
			}
			if n.Kind == yaml.ScalarNode && reflect.PointerTo(t).Implements(textUnmarshaler) {
				if uerr := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); uerr != nil {
					msg = uerr.Error()
				}
			}
			w.problems.add(path, "%s (line %d)", msg, n.Line)
			n.Kind, n.Tag, n.Value, n.Content = yaml.ScalarNode, "!!null", "", nil
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if !isNull(n) {
				w.problems.add(path, "must be a mapping (line %d)", n.Line)
			}
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := join(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				hint := ""
				for name := range fields {
					if strings.EqualFold(name, k.Value) {
						hint = fmt.Sprintf(" (did you mean %q?)", name)
					}
				}
				w.problems.add(key, "unknown key (line %d)%s", k.Line, hint)
				continue
			}
			w.walk(v, f.Type, key)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			if !isNull(n) {
				w.problems.add(path, "must be a mapping (line %d)", n.Line)
			}
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			w.walk(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			if !isNull(n) {
				w.problems.add(path, "must be a list (line %d)", n.Line)
			}
			return
		}
		for i, item := range n.Content {
			w.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			n.Value = w.expand(n.Value, path)
		} else if n.Kind != yaml.ScalarNode {
			w.problems.add(path, "must be a string (line %d)", n.Line)
		}
	}
}

// expand replaces ${NAME} with the variable's value; "$$" is a literal "$".
// Only whole-value-safe string substitution happens: the YAML is already
// parsed, so a variable's content can never inject keys.
func (w walker) expand(s, key string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		v, ok := w.lookupEnv(name)
		if !ok {
			w.problems.add(key, "environment variable %s is not set", name)
		}
		return v
	})
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
	}
	return fields
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
