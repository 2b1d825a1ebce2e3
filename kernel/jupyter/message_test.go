package jupyter

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	vectorKey    = "a0436f6c-1916-498b-8eb9-e81ab9368e84"
	vectorHeader = `{"msg_id":"1","msg_type":"kernel_info_request","session":"s","username":"u","date":"2024-01-01T00:00:00.000000Z","version":"5.3"}`
	vectorSig    = "f5b4dbf28f73ba8f785229eff468c6938717a2201f9c5118836a11be17fef04f"
)

func TestSignerVector(t *testing.T) {
	s := NewSigner(vectorKey)
	got := s.Sign([]byte(vectorHeader), []byte("{}"), []byte("{}"), []byte("{}"))
	if got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
	if !s.Verify(vectorSig, []byte(vectorHeader), []byte("{}"), []byte("{}"), []byte("{}")) {
		t.Error("Verify rejects the test vector")
	}
}

func TestSignerVerify(t *testing.T) {
	h, p, m, c := []byte(vectorHeader), []byte("{}"), []byte("{}"), []byte("{}")
	s := NewSigner(vectorKey)
	tests := []struct {
		name string
		sig  string
		want bool
	}{
		{"good", vectorSig, true},
		{"uppercase", strings.ToUpper(vectorSig), false}, // jupyter_client sends and accepts lowercase only
		{"empty", "", false},
		{"truncated", vectorSig[:63], false},
		{"flipped", "0" + vectorSig[1:], false},
		{"longer", vectorSig + "0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Verify(tt.sig, h, p, m, c); got != tt.want {
				t.Errorf("Verify(%q) = %v, want %v", tt.sig, got, tt.want)
			}
		})
	}
	if s.Verify(vectorSig, h, p, m, []byte(`{"a":1}`)) {
		t.Error("Verify accepts a signature over different content")
	}
	none := NewSigner("")
	if none.Enabled() {
		t.Error("empty key: Enabled() = true")
	}
	if got := none.Sign(h, p, m, c); got != "" {
		t.Errorf("empty key: Sign = %q, want empty", got)
	}
	if !none.Verify("anything", h, p, m, c) {
		t.Error("empty key: Verify rejects")
	}
}

func vectorFrames(ids ...string) [][]byte {
	var f [][]byte
	for _, id := range ids {
		f = append(f, []byte(id))
	}
	return append(f, []byte(Delimiter), []byte(vectorSig), []byte(vectorHeader), []byte("{}"), []byte("{}"), []byte("{}"))
}

func TestDecodeVector(t *testing.T) {
	m, err := Decode(vectorFrames("id1", "id2"), NewSigner(vectorKey))
	if err != nil {
		t.Fatal(err)
	}
	want := Header{MsgID: "1", MsgType: "kernel_info_request", Session: "s", Username: "u", Date: "2024-01-01T00:00:00.000000Z", Version: "5.3"}
	if m.Header != want {
		t.Errorf("Header = %+v, want %+v", m.Header, want)
	}
	if string(m.RawHeader) != vectorHeader {
		t.Errorf("RawHeader = %s", m.RawHeader)
	}
	if len(m.Identities) != 2 || string(m.Identities[0]) != "id1" || string(m.Identities[1]) != "id2" {
		t.Errorf("Identities = %q", m.Identities)
	}
	if string(m.Parent) != "{}" || string(m.Content) != "{}" || len(m.Metadata) != 0 || m.Buffers != nil {
		t.Errorf("Parent %s Content %s Metadata %v Buffers %q", m.Parent, m.Content, m.Metadata, m.Buffers)
	}
}

func TestDecodeErrors(t *testing.T) {
	key := NewSigner(vectorKey)
	none := NewSigner("")
	msg := func(header, parent, metadata, content string) [][]byte {
		return [][]byte{[]byte("id"), []byte(Delimiter), nil, []byte(header), []byte(parent), []byte(metadata), []byte(content)}
	}
	tests := []struct {
		name   string
		frames [][]byte
		signer Signer
		want   string // substring of the error
	}{
		{"no frames", nil, none, "no <IDS|MSG> delimiter among 0 frames"},
		{"no delimiter", [][]byte{[]byte("a"), []byte(vectorHeader), []byte("{}")}, none, "no <IDS|MSG> delimiter among 3 frames"},
		{"delimiter only", [][]byte{[]byte(Delimiter)}, none, "0 frames after <IDS|MSG>, want at least 5"},
		{"four after delimiter", vectorFrames()[:5], key, "4 frames after <IDS|MSG>, want at least 5"},
		{"bad signature", func() [][]byte { f := vectorFrames(); f[1] = []byte(strings.Repeat("0", 64)); return f }(), key, "bad signature"},
		{"missing signature", func() [][]byte { f := vectorFrames(); f[1] = nil; return f }(), key, "bad signature"},
		{"wrong key", vectorFrames(), NewSigner("other"), "bad signature"},
		{"header not JSON", msg(`{"msg_id":`, "{}", "{}", "{}"), none, "invalid header"},
		{"header array", msg(`["msg_id"]`, "{}", "{}", "{}"), none, "invalid header: not a JSON object"},
		{"header null", msg(`null`, "{}", "{}", "{}"), none, "invalid header: not a JSON object"},
		{"header wrong type", msg(`{"msg_id":1,"msg_type":"x"}`, "{}", "{}", "{}"), none, "invalid header"},
		{"no msg_id", msg(`{"msg_type":"x"}`, "{}", "{}", "{}"), none, "has no msg_id"},
		{"no msg_type", msg(`{"msg_id":"x"}`, "{}", "{}", "{}"), none, "has no msg_type"},
		{"empty msg_type", msg(`{"msg_id":"x","msg_type":""}`, "{}", "{}", "{}"), none, "has no msg_type"},
		{"parent not JSON", msg(`{"msg_id":"x","msg_type":"y"}`, "{", "{}", "{}"), none, "invalid parent_header"},
		{"parent empty", msg(`{"msg_id":"x","msg_type":"y"}`, "", "{}", "{}"), none, "invalid parent_header"},
		{"parent string", msg(`{"msg_id":"x","msg_type":"y"}`, `"p"`, "{}", "{}"), none, "invalid parent_header: not a JSON object"},
		{"metadata not JSON", msg(`{"msg_id":"x","msg_type":"y"}`, "{}", "{,}", "{}"), none, "invalid metadata"},
		{"metadata number", msg(`{"msg_id":"x","msg_type":"y"}`, "{}", "1", "{}"), none, "invalid metadata: not a JSON object"},
		{"content not JSON", msg(`{"msg_id":"x","msg_type":"y"}`, "{}", "{}", `{"a":}`), none, "invalid content"},
		{"content null", msg(`{"msg_id":"x","msg_type":"y"}`, "{}", "{}", `null`), none, "invalid content: not a JSON object"},
		{"content two values", msg(`{"msg_id":"x","msg_type":"y"}`, "{}", "{}", `{} {}`), none, "invalid content"},
		{"too large", [][]byte{make([]byte, MaxMessageSize/2), make([]byte, MaxMessageSize/2+1)}, none, "message larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.frames, tt.signer)
			if err == nil {
				t.Fatalf("Decode succeeded: %+v", m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "jupyter: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestDecodeLenient(t *testing.T) {
	// null parent and metadata, extra header fields, buffers, no identities.
	frames := [][]byte{[]byte(Delimiter), nil,
		[]byte(`{"msg_id":"x","msg_type":"comm_msg","extra":[1,2]}`), []byte(" null "), []byte("null"), []byte(` {"a":1} `),
		[]byte("buf1"), {}}
	m, err := Decode(frames, NewSigner(""))
	if err != nil {
		t.Fatal(err)
	}
	if m.Parent != nil || m.Metadata != nil || m.Identities != nil {
		t.Errorf("Parent %q Metadata %v Identities %q", m.Parent, m.Metadata, m.Identities)
	}
	if len(m.Buffers) != 2 || string(m.Buffers[0]) != "buf1" || len(m.Buffers[1]) != 0 {
		t.Errorf("Buffers = %q", m.Buffers)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, key := range []string{"", vectorKey} {
		s := NewSigner(key)
		in := &Message{
			Identities: [][]byte{[]byte("a"), {0, 1, 2}},
			Header:     NewHeader("execute_request", "sess", "me"),
			Parent:     json.RawMessage(vectorHeader),
			Metadata:   map[string]any{"cellId": "c1", "n": 2.5, "nested": map[string]any{"x": []any{true, nil}}},
			Content:    json.RawMessage(`{"code":"fmt.Println(\"héllo <&>\")","silent":false}`),
			Buffers:    [][]byte{[]byte("binary\x00data"), bytes.Repeat([]byte{0xff}, 300)},
		}
		frames, err := Encode(in, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(frames[2]); got != Delimiter {
			t.Fatalf("frame 2 = %q, want delimiter", got)
		}
		if key != "" && !regexp.MustCompile(`^[0-9a-f]{64}$`).Match(frames[3]) {
			t.Errorf("signature %q is not lowercase hex", frames[3])
		}
		if key == "" && len(frames[3]) != 0 {
			t.Errorf("unsigned signature = %q, want empty", frames[3])
		}
		out, err := Decode(frames, s)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out.Identities, in.Identities) || out.Header != in.Header ||
			string(out.Parent) != string(in.Parent) || !reflect.DeepEqual(out.Metadata, in.Metadata) ||
			string(out.Content) != string(in.Content) || !reflect.DeepEqual(out.Buffers, in.Buffers) {
			t.Errorf("round trip mismatch:\n in %+v\nout %+v", in, out)
		}
	}
}

func TestEncodeDefaults(t *testing.T) {
	frames, err := Encode(&Message{Header: Header{MsgID: "1", MsgType: "status"}}, NewSigner(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 6 {
		t.Fatalf("%d frames, want 6", len(frames))
	}
	for i, part := range []string{"parent", "metadata", "content"} {
		if got := string(frames[3+i]); got != "{}" {
			t.Errorf("%s = %q, want {}", part, got)
		}
	}
	if _, err := Encode(&Message{Content: json.RawMessage("{")}, NewSigner("")); err == nil {
		t.Error("Encode accepted invalid content")
	}
	if _, err := Encode(&Message{Parent: json.RawMessage("nope")}, NewSigner("")); err == nil {
		t.Error("Encode accepted an invalid parent")
	}
	frames, err = Encode(&Message{Parent: json.RawMessage("null")}, NewSigner(""))
	if err != nil || string(frames[3]) != "{}" {
		t.Errorf("null parent: %q, %v; want {}", frames[3], err)
	}
}

func TestNewHeader(t *testing.T) {
	dateRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	before := time.Now().Add(-time.Second)
	seen := make(map[string]bool)
	for range 10000 {
		h := NewHeader("status", "sess", "kernel")
		if seen[h.MsgID] {
			t.Fatalf("msg_id %s repeated", h.MsgID)
		}
		seen[h.MsgID] = true
		if !uuidRE.MatchString(h.MsgID) {
			t.Fatalf("msg_id %q is not a UUID4", h.MsgID)
		}
		if !dateRE.MatchString(h.Date) {
			t.Fatalf("date %q does not have exactly 6 fractional digits in UTC", h.Date)
		}
		if h.Version != "5.3" || h.MsgType != "status" || h.Session != "sess" || h.Username != "kernel" {
			t.Fatalf("header %+v", h)
		}
	}
	h := NewHeader("x", "", "")
	d, err := time.Parse(time.RFC3339Nano, h.Date)
	if err != nil {
		t.Fatal(err)
	}
	if d.Before(before) || d.After(time.Now().Add(time.Second)) {
		t.Errorf("date %s is not now", h.Date)
	}
	// Trailing zeros must stay: 6 digits even at a whole second.
	if got := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Format(DateFormat); got != "2024-01-01T00:00:00.000000Z" {
		t.Errorf("DateFormat gives %s", got)
	}
}
