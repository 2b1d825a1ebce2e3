package jupyter

import (
	"bytes"
	"testing"
)

// fuzzFrames splits fuzz input into frames at NUL bytes.
func fuzzFrames(data []byte) [][]byte {
	if len(data) == 0 {
		return nil
	}
	return bytes.Split(data, []byte{0})
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// survives Encode and a second Decode. data holds the frames separated by
// NUL bytes; with fixSig the harness signs the message with key, so that
// the fuzzer gets past the signature check.
func FuzzDecode(f *testing.F) {
	join := func(frames ...string) []byte { return []byte(joinFrames(frames...)) }
	f.Add(join("id", Delimiter, vectorSig, vectorHeader, "{}", "{}", "{}"), vectorKey, false)
	f.Add(join(Delimiter, "", `{"msg_id":"a","msg_type":"execute_request"}`, "null", "null", `{"code":"x := 1"}`, "buf"), "", false)
	f.Add(join(Delimiter, "", `{"msg_id":"a","msg_type":"x"}`, "{}", "{}", "{}"), "key", true)
	f.Add(join("a", "b"), "", false)
	f.Add(join(Delimiter, "sig", "{", "{}", "{}", "{}"), "", false)
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
		if len(m2.Identities) != len(m.Identities) || len(m2.Buffers) != len(m.Buffers) {
			t.Errorf("frames changed: %d ids, %d buffers -> %d ids, %d buffers",
				len(m.Identities), len(m.Buffers), len(m2.Identities), len(m2.Buffers))
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
