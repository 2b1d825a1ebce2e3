package picture

import (
	"image"
	"image/color"
	"sort"
)

// paletted returns img with at most 256 colours, for a PNG a third the
// size of a true-colour one. A chart has a few flat colours and the blends
// of their anti-aliased edges, a few thousand colours in all: when there
// are more than 256, the palette is chosen greedily, each time the colour
// whose pixels would be furthest off without it (count × squared distance
// to the nearest colour chosen so far), and every pixel takes the nearest
// colour of the palette. Flat areas and text keep their exact colours;
// only rare edge blends move, by a few levels.
func paletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	counts := map[uint32]int{}
	last, run := uint32(1<<31), 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			k := uint32(row[i])<<24 | uint32(row[i+1])<<16 | uint32(row[i+2])<<8 | uint32(row[i+3])
			if k == last {
				run++
				continue
			}
			if run > 0 {
				counts[last] += run
			}
			last, run = k, 1
		}
	}
	if run > 0 {
		counts[last] += run
	}

	type entry struct {
		key   uint32
		count int
		dist  int // squared distance to the nearest colour chosen
	}
	all := make([]entry, 0, len(counts))
	for k, n := range counts {
		all = append(all, entry{k, n, 1 << 30})
	}
	// In order of count, then of colour, so that the palette does not
	// depend on the map's order.
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].key < all[j].key
	})
	var chosen []uint32
	if len(all) <= 256 {
		for _, e := range all {
			chosen = append(chosen, e.key)
		}
	} else {
		for len(chosen) < 256 {
			best, score := -1, -1
			for i, e := range all {
				if s := e.count * min(e.dist, 1<<20); e.dist > 0 && s > score {
					best, score = i, s
				}
			}
			if best < 0 {
				break
			}
			c := all[best].key
			chosen = append(chosen, c)
			for i := range all {
				all[i].dist = min(all[i].dist, dist2(all[i].key, c))
			}
		}
	}
	pal := make(color.Palette, len(chosen))
	for i, c := range chosen {
		pal[i] = color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)}
	}
	index := make(map[uint32]uint8, len(all))
	for _, e := range all {
		bi, bd := 0, 1<<30
		for i, c := range chosen {
			if d := dist2(e.key, c); d < bd {
				bi, bd = i, d
			}
		}
		index[e.key] = uint8(bi)
	}

	out := image.NewPaletted(b, pal)
	last, li := uint32(1<<31), uint8(0)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		dst := out.Pix[out.PixOffset(b.Min.X, y):]
		for i, j := 0, 0; i < len(row); i, j = i+4, j+1 {
			k := uint32(row[i])<<24 | uint32(row[i+1])<<16 | uint32(row[i+2])<<8 | uint32(row[i+3])
			if k != last {
				last, li = k, index[k]
			}
			dst[j] = li
		}
	}
	return out
}

// dist2 is the squared distance of two colours packed as RGBA.
func dist2(a, b uint32) int {
	d := 0
	for s := 0; s < 32; s += 8 {
		x := int(a>>s&0xff) - int(b>>s&0xff)
		d += x * x
	}
	return d
}
