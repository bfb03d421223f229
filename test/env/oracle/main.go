// Command oracle answers questions about Go behaviour that Slipway reimplements, one JSON object
// per line on stdin, one JSON answer per line on stdout, in order:
//
//	{"op":"semver","range":R,"version":V}        → {"rangeError"?, "parsed", "satisfies"}
//	{"op":"policy","policy":P,"tags":[…]}         → {"tag"} or {"error"}
//	{"op":"regex","pattern":P,"extract":E,"input":S} → {"error"} or {"match","key"}
//	{"op":"template","template":T,"data":D}       → {"output"} or {"error","parseError"}
//	{"op":"kstatus","object":O}                   → {"status","message"} or {"error"}
//
// The policy answer reproduces image-reflector-controller's policies (its module is not
// importable): fluxcd/pkg/version.ParseVersion with Masterminds constraints for semver,
// sort.Strings for alphabetical, strconv.ParseFloat for numerical, and Go's regexp with
// Expand for filterTags. One deliberate difference: Flux collects filtered keys in a Go map and
// ranks them in map order (random); the oracle ranks them in the order of each key's last tag,
// which is the order Slipway documents, so that ties are deterministic.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
	"github.com/Masterminds/sprig/v3"
	"github.com/fluxcd/pkg/version"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

type policy struct {
	Kind    string `json:"kind"` // semver | alphabetical | numerical
	Range   string `json:"range"`
	Order   string `json:"order"` // asc | desc
	Pattern string `json:"pattern"`
	Extract string `json:"extract"`
	Filter  bool   `json:"filter"`
}

type query struct {
	Op       string          `json:"op"`
	Range    string          `json:"range"`
	Version  string          `json:"version"`
	Policy   policy          `json:"policy"`
	Tags     []string        `json:"tags"`
	Pattern  string          `json:"pattern"`
	Extract  string          `json:"extract"`
	Input    string          `json:"input"`
	Template string          `json:"template"`
	Data     json.RawMessage `json:"data"`
	Object   json.RawMessage `json:"object"`
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, readErr := in.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) == 0 {
			if readErr != nil {
				break
			}
			continue
		}
		var q query
		var answer any
		if err := json.Unmarshal(line, &q); err != nil {
			answer = map[string]any{"error": "bad query: " + err.Error()}
		} else {
			answer = safely(q)
		}
		if err := enc.Encode(answer); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// Flush when no further query is already buffered, so batches stay fast.
		if in.Buffered() == 0 || readErr != nil {
			out.Flush()
		}
		if readErr != nil {
			break
		}
	}
	out.Flush()
}

func safely(q query) (answer any) {
	defer func() {
		if r := recover(); r != nil {
			answer = map[string]any{"error": fmt.Sprintf("panic: %v", r), "panic": true}
		}
	}()
	switch q.Op {
	case "semver":
		return semverAnswer(q.Range, q.Version)
	case "policy":
		return policyAnswer(q.Policy, q.Tags)
	case "regex":
		return regexAnswer(q.Pattern, q.Extract, q.Input)
	case "template":
		return templateAnswer(q.Template, q.Data)
	case "kstatus":
		return kstatusAnswer(q.Object)
	}
	return map[string]any{"error": "unknown op " + q.Op}
}

func semverAnswer(rng, ver string) any {
	a := map[string]any{}
	c, err := semver.NewConstraint(rng)
	if err != nil {
		a["rangeError"] = err.Error()
	}
	v, err := version.ParseVersion(ver)
	a["parsed"] = err == nil
	if err == nil {
		a["normal"] = v.String()
		if c != nil {
			a["satisfies"] = c.Check(v)
		}
	}
	return a
}

func policyAnswer(p policy, tags []string) any {
	keys := tags
	original := map[string]string{}
	if p.Filter {
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return map[string]any{"error": "invalid regular expression pattern '" + p.Pattern + "': " + err.Error()}
		}
		keys = nil
		index := map[string]int{}
		for _, tag := range tags {
			m := re.FindStringSubmatchIndex(tag)
			if m == nil {
				continue
			}
			key := tag
			if p.Extract != "" {
				key = string(re.ExpandString(nil, p.Extract, tag, m))
			}
			if i, ok := index[key]; ok {
				keys = append(keys[:i], keys[i+1:]...)
				for k, j := range index {
					if j > i {
						index[k] = j - 1
					}
				}
			}
			index[key] = len(keys)
			keys = append(keys, key)
			original[key] = tag
		}
	}
	latest, err := latest(p, keys)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	if tag, ok := original[latest]; ok {
		return map[string]any{"tag": tag}
	}
	return map[string]any{"tag": latest}
}

func latest(p policy, versions []string) (string, error) {
	if len(versions) == 0 {
		return "", fmt.Errorf("version list argument cannot be empty")
	}
	switch p.Kind {
	case "semver":
		c, err := semver.NewConstraint(p.Range)
		if err != nil {
			return "", fmt.Errorf("semver parse error: %w", err)
		}
		var best *semver.Version
		for _, s := range versions {
			v, err := version.ParseVersion(s)
			if err != nil {
				continue
			}
			if c.Check(v) && (best == nil || v.GreaterThan(best)) {
				best = v
			}
		}
		if best == nil {
			return "", fmt.Errorf("unable to determine latest version from provided list")
		}
		return best.Original(), nil
	case "alphabetical":
		sorted := append([]string(nil), versions...)
		if p.Order == "desc" {
			sort.Strings(sorted)
		} else {
			sort.Sort(sort.Reverse(sort.StringSlice(sorted)))
		}
		return sorted[0], nil
	case "numerical":
		var best string
		var pv float64
		for i, s := range versions {
			cv, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return "", fmt.Errorf("failed to parse invalid numeric value '%s'", s)
			}
			switch {
			case i == 0:
			case p.Order != "desc" && cv < pv, p.Order == "desc" && cv > pv:
				continue
			}
			best, pv = s, cv
		}
		return best, nil
	}
	return "", fmt.Errorf("unknown policy kind %q", p.Kind)
}

func regexAnswer(pattern, extract, input string) any {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	m := re.FindStringSubmatchIndex(input)
	if m == nil {
		return map[string]any{"match": false}
	}
	key := input
	if extract != "" {
		key = string(re.ExpandString(nil, extract, input, m))
	}
	return map[string]any{"match": true, "key": key}
}

// templateAnswer renders with Flux's function map (sprig's hermetic text functions). The data
// is JSON in Slipway's TemplateValue shape, converted to typed Go values (see goValue).
func templateAnswer(text string, raw json.RawMessage) any {
	tpl, err := template.New("t").Funcs(sprig.HermeticTxtFuncMap()).Parse(text)
	if err != nil {
		return map[string]any{"error": err.Error(), "parseError": true}
	}
	var data any
	if len(raw) > 0 {
		var v any
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return map[string]any{"error": "bad data: " + err.Error()}
		}
		data = goValue(v).Interface()
	}
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		return map[string]any{"error": err.Error(), "parseError": false, "partial": b.String()}
	}
	return map[string]any{"output": b.String()}
}

var anyType = reflect.TypeOf((*any)(nil)).Elem()

// goValue turns Slipway's TemplateValue JSON into Go values with the types a Go program would
// have: integers are int, floats float64, lists and maps whose items share a type are typed
// ([]string, map[string]int), structs ({"kind":"struct","fields":{…}}) are struct values with
// those fields, maps ({"kind":"map","entries":[[k,v]…]}) have string keys.
func goValue(v any) reflect.Value {
	switch x := v.(type) {
	case nil:
		return reflect.Zero(anyType)
	case string, bool:
		return reflect.ValueOf(x)
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(x.String(), ".eE") {
			return reflect.ValueOf(int(i))
		}
		f, _ := x.Float64()
		return reflect.ValueOf(f)
	case []any:
		items := make([]reflect.Value, len(x))
		for i, e := range x {
			items[i] = goValue(e)
		}
		t := common(items)
		s := reflect.MakeSlice(reflect.SliceOf(t), 0, len(items))
		for _, e := range items {
			s = reflect.Append(s, conv(e, t))
		}
		return s
	case map[string]any:
		switch x["kind"] {
		case "struct":
			fields, _ := x["fields"].(map[string]any)
			names := make([]string, 0, len(fields))
			for k := range fields {
				names = append(names, k)
			}
			if order, ok := x["order"].([]any); ok && len(order) == len(names) {
				for i, n := range order {
					names[i], _ = n.(string)
				}
			} else {
				sort.Strings(names)
			}
			var sf []reflect.StructField
			var vals []reflect.Value
			for _, n := range names {
				fv := goValue(fields[n])
				t := fv.Type()
				if !fv.IsValid() || (fv.Kind() == reflect.Interface) {
					t = anyType
				}
				sf = append(sf, reflect.StructField{Name: n, Type: t})
				vals = append(vals, fv)
			}
			s := reflect.New(reflect.StructOf(sf)).Elem()
			for i, fv := range vals {
				s.Field(i).Set(conv(fv, sf[i].Type))
			}
			return s
		case "map":
			entries, _ := x["entries"].([]any)
			var keys []string
			var vals []reflect.Value
			for _, e := range entries {
				pair, _ := e.([]any)
				if len(pair) != 2 {
					continue
				}
				k, _ := pair[0].(string)
				keys = append(keys, k)
				vals = append(vals, goValue(pair[1]))
			}
			t := common(vals)
			if zero, ok := x["zero"]; ok {
				t = goValue(zero).Type()
			}
			m := reflect.MakeMap(reflect.MapOf(reflect.TypeOf(""), t))
			for i, k := range keys {
				m.SetMapIndex(reflect.ValueOf(k), conv(vals[i], t))
			}
			return m
		}
	}
	return reflect.ValueOf(fmt.Sprint(v))
}

func common(items []reflect.Value) reflect.Type {
	var t reflect.Type
	for _, e := range items {
		if !e.IsValid() || e.Kind() == reflect.Interface {
			return anyType
		}
		if t == nil {
			t = e.Type()
		} else if t != e.Type() {
			return anyType
		}
	}
	if t == nil {
		return anyType
	}
	return t
}

func conv(v reflect.Value, t reflect.Type) reflect.Value {
	if !v.IsValid() {
		return reflect.Zero(t)
	}
	if v.Type() == t {
		return v
	}
	w := reflect.New(t).Elem()
	w.Set(v)
	return w
}

func kstatusAnswer(raw json.RawMessage) any {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		return map[string]any{"error": "bad object: " + err.Error()}
	}
	res, err := status.Compute(u)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	return map[string]any{"status": res.Status.String(), "message": res.Message}
}
