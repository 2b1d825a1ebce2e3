package jupyter

import (
	"bytes"
	"reflect"
	"slices"
	"testing"
)

// fuzzFrames splits fuzz input into frames at NUL bytes.
func fuzzFrames(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	return bytes.Split(data, []byte{0})
}

// FuzzDecode checks Decode against its documented contract and Encode:
//   - Decode never panics and returns a message or an error, not both;
//   - an accepted message with a key carries the signature of its four
//     parts, and no other key (nor the signature in uppercase) verifies it;
//   - the message refers to the frames it was decoded from: identities
//     before the delimiter, RawHeader and Content as received, buffers
//     after content, a header with msg_id and msg_type;
//   - Encode then Decode gives back the same message.
//
// data holds the frames separated by NUL bytes; with fixSig the harness
// signs the message with key, so that the fuzzer gets past the signature
// check.
func FuzzDecode(f *testing.F) {
	join := func(frames ...string) []byte { return []byte(joinFrames(frames...)) }
	f.Add(join("id", Delimiter, vectorSig, vectorHeader, "{}", "{}", "{}"), vectorKey, false)
	f.Add(join(Delimiter, "", `{"msg_id":"a","msg_type":"execute_request"}`, "null", "null", `{"code":"x := 1"}`, "buf"), "", false)
	f.Add(join(Delimiter, "", `{"msg_id":"a","msg_type":"x"}`, "{}", "{}", "{}"), "key", true)
	f.Add(join("a", "b"), "", false)
	f.Add(join(Delimiter, "sig", "{", "{}", "{}", "{}"), "", false)
	f.Add(join(Delimiter, "", ` {"msg_id":"a","msg_type":"x","date":1}`, ` null `, `{"a":[1e3,-0,"\u00e9",null,{}]}`, ` {"b":true} `), "k", true)
	f.Fuzz(func(t *testing.T, data []byte, key string, fixSig bool) {
		s := NewSigner(key)
		frames := fuzzFrames(data)
		if fixSig {
			for i, fr := range frames {
				if string(fr) == Delimiter && len(frames) >= i+6 {
					frames[i+1] = []byte(s.Sign(frames[i+2], frames[i+3], frames[i+4], frames[i+5]))
					break
				}
			}
		}
		m, err := Decode(frames, s)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned a message and error %v", err)
			}
			return
		}
		if m == nil {
			t.Fatal("Decode returned neither a message nor an error")
		}

		// The message is made of the frames.
		delim := slices.IndexFunc(frames, func(f []byte) bool { return string(f) == Delimiter })
		if delim < 0 || len(frames) < delim+6 {
			t.Fatalf("Decode accepted %d frames with the delimiter at %d", len(frames), delim)
		}
		sig, header, parent, metadata, content := frames[delim+1], frames[delim+2], frames[delim+3], frames[delim+4], frames[delim+5]
		if len(m.Identities) != delim || len(m.Buffers) != len(frames)-delim-6 {
			t.Errorf("%d identities and %d buffers from %d frames with the delimiter at %d", len(m.Identities), len(m.Buffers), len(frames), delim)
		}
		for i, id := range m.Identities {
			if !bytes.Equal(id, frames[i]) {
				t.Errorf("identity %d = %q, frame %q", i, id, frames[i])
			}
		}
		for i, b := range m.Buffers {
			if !bytes.Equal(b, frames[delim+6+i]) {
				t.Errorf("buffer %d = %q, frame %q", i, b, frames[delim+6+i])
			}
		}
		if !bytes.Equal(m.RawHeader, header) || !bytes.Equal(m.Content, content) {
			t.Errorf("RawHeader %q and Content %q are not the frames %q and %q", m.RawHeader, m.Content, header, content)
		}
		if m.Header.MsgID == "" || m.Header.MsgType == "" {
			t.Errorf("accepted header %q without msg_id or msg_type", header)
		}
		if m.Channel != "" {
			t.Errorf("Channel = %q, want empty", m.Channel)
		}

		// Only the right key verifies a signature.
		if s.Enabled() {
			if want := s.Sign(header, parent, metadata, content); string(sig) != want {
				t.Errorf("accepted signature %q, want %q", sig, want)
			}
			if _, err := Decode(frames, NewSigner(key+"x")); err == nil {
				t.Errorf("signature %q verified with key %q+\"x\" as well as %q", sig, key, key)
			}
			if up := bytes.ToUpper(sig); !bytes.Equal(up, sig) {
				f2 := slices.Clone(frames)
				f2[delim+1] = up
				if _, err := Decode(f2, s); err == nil {
					t.Errorf("uppercase signature %q verified", up)
				}
			}
		}

		// Encode, then Decode, gives back the same message.
		out, err := Encode(m, s)
		if err != nil {
			t.Fatalf("Encode of a decoded message: %v", err)
		}
		m2, err := Decode(out, s)
		if err != nil {
			t.Fatalf("Decode of re-encoded message: %v\nframes %q", err, out)
		}
		if m2.Header != m.Header {
			t.Errorf("header changed: %+v -> %+v", m.Header, m2.Header)
		}
		if !bytes.Equal(m2.Content, m.Content) {
			t.Errorf("content changed: %q -> %q", m.Content, m2.Content)
		}
		// A null parent_header is encoded as {}.
		if p, p2 := m.Parent, m2.Parent; !bytes.Equal(p, p2) && !(p == nil && string(p2) == "{}") {
			t.Errorf("parent_header changed: %q -> %q", p, p2)
		}
		// Null metadata is encoded as {}.
		if md, md2 := m.Metadata, m2.Metadata; !reflect.DeepEqual(md, md2) && !(md == nil && len(md2) == 0) {
			t.Errorf("metadata changed: %#v -> %#v", md, md2)
		}
		if !slices.EqualFunc(m2.Identities, m.Identities, bytes.Equal) || !slices.EqualFunc(m2.Buffers, m.Buffers, bytes.Equal) {
			t.Errorf("frames changed: ids %q, buffers %q -> ids %q, buffers %q",
				m.Identities, m.Buffers, m2.Identities, m2.Buffers)
		}
	})
}

func joinFrames(frames ...string) string {
	var b bytes.Buffer
	for i, f := range frames {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(f)
	}
	return b.String()
}
