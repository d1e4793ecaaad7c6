package shardcore

import (
	"math"
	"math/rand/v2"
)

// LOLWUT, as Redis 7.0 draws it.

func init() {
	register(
		&Command{Name: "lolwut", Arity: -1, Flags: FlagReadonly | FlagFast, Group: "server", Since: "5.0.0", Summary: "Display some computer art and the Redis version", Fn: cmdLolwut},
	)
}

// cmdLolwut: LOLWUT [VERSION v] [args]. As Redis 7.0, version 5 draws Georg
// Nees's Schotter, version 6 a skyline after the game Plaguemon, and any
// other version (the default included) prints the version line only.
func cmdLolwut(c *Ctx) {
	args := c.Args
	version := uint32(0)
	if len(args) >= 3 && strOptIs(args[1], "version") {
		v, ok := ParseInt(args[2])
		if !ok {
			c.Error(errNotInt)
			return
		}
		// Redis formats the version as an unsigned int.
		version = uint32(v)
		args = args[2:]
	}
	switch version {
	case 5:
		p, ok := lolwutParams(c, args, 66, 8, 12) // columns, squares per row and per column
		if !ok {
			return
		}
		out := schotter(int(min(max(p[0], 1), 1000)), int(min(max(p[1], 1), 200)), int(min(max(p[2], 1), 200))).render()
		out = append(out, "\nGeorg Nees - schotter, plotter on paper, 1968. "+lolwutVersionLine+"\n"...)
		c.W.Verbatim("txt", out)
	case 6:
		p, ok := lolwutParams(c, args, 80, 20) // columns, rows
		if !ok {
			return
		}
		out := skyline(int(min(max(p[0], 1), 1000)), int(min(max(p[1], 1), 1000))).renderGray()
		out = append(out, "\nDedicated to the 8 bit game developers of past and present.\n"+
			"Original 8 bit image from Plaguemon by hikikomori. "+lolwutVersionLine+"\n"...)
		c.W.Verbatim("txt", out)
	default:
		c.W.Verbatim("txt", []byte(lolwutVersionLine+"\n"))
	}
}

// lolwutParams reads the optional integer arguments after the version,
// defaulting to defs; false when it replied an error.
func lolwutParams(c *Ctx, args [][]byte, defs ...int64) ([]int64, bool) {
	for i := range defs {
		if len(args) <= i+1 {
			break
		}
		n, ok := ParseInt(args[i+1])
		if !ok {
			c.Error(errNotInt)
			return nil, false
		}
		defs[i] = n
	}
	return defs, true
}

const lolwutVersionLine = "keel ver. " + Version

// lwCanvas is LOLWUT's pixel canvas: version 5 draws in one color and
// renders Braille characters of 2x4 pixels, version 6 paints four grays.
type lwCanvas struct {
	width, height int
	pixels        []byte
}

func newCanvas(width, height int, bg byte) *lwCanvas {
	cv := &lwCanvas{width: width, height: height, pixels: make([]byte, width*height)}
	for i := range cv.pixels {
		cv.pixels[i] = bg
	}
	return cv
}

func (cv *lwCanvas) paint(x, y int, color byte) {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return
	}
	cv.pixels[x+y*cv.width] = color
}

func (cv *lwCanvas) set(x, y int) { cv.paint(x, y, 1) }

func (cv *lwCanvas) color(x, y int) byte {
	if x < 0 || x >= cv.width || y < 0 || y >= cv.height {
		return 0
	}
	return cv.pixels[x+y*cv.width]
}

func (cv *lwCanvas) get(x, y int) bool { return cv.color(x, y) != 0 }

// line draws with Bresenham's algorithm.
func (cv *lwCanvas) line(x1, y1, x2, y2 int) {
	dx, dy := x2-x1, y2-y1
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	sx, sy := -1, -1
	if x1 < x2 {
		sx = 1
	}
	if y1 < y2 {
		sy = 1
	}
	err := dx - dy
	for {
		cv.set(x1, y1)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := err * 2
		if e2 > -dy {
			err -= dy
			x1 += sx
		}
		if e2 < dx {
			err += dx
			y1 += sy
		}
	}
}

// square draws a square centred on x, y and rotated by angle, with Redis's
// single-precision arithmetic, so that the same inputs give the same pixels.
func (cv *lwCanvas) square(x, y int, size, angle float32) {
	size = float32(math.Round(float64(float32(float64(size) / 1.4142135623))))
	var px, py [4]int
	k := float32(math.Pi/4 + float64(angle))
	for j := range 4 {
		px[j] = int(math.Round(math.Sin(float64(k))*float64(size) + float64(x)))
		py[j] = int(math.Round(math.Cos(float64(k))*float64(size) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := range 4 {
		cv.line(px[j], py[j], px[(j+1)%4], py[(j+1)%4])
	}
}

// schotter draws the squares, rotated and shifted more the lower their row.
func schotter(cols, perRow, perCol int) *lwCanvas {
	width := cols * 2
	padding := 0
	if width > 4 {
		padding = 2
	}
	side := float32(width-padding*2) / float32(perRow)
	height := int(side*float32(perCol) + float32(padding*2))
	cv := newCanvas(width, height, 0)
	for y := range perCol {
		for x := range perRow {
			sx := int(float32(x)*side + side/2 + float32(padding))
			sy := int(float32(y)*side + side/2 + float32(padding))
			var angle float32
			if y > 1 {
				var r [3]float32
				for i := range r {
					r[i] = rand.Float32() / float32(perCol) * float32(y)
				}
				for i := range r {
					if rand.IntN(2) == 1 {
						r[i] = -r[i]
					}
				}
				angle = r[0]
				sx = int(float32(sx) + r[1]*side/3)
				sy = int(float32(sy) + r[2]*side/3)
			}
			cv.square(sx, sy, side, angle)
		}
	}
	return cv
}

// render turns each 2x4 block into its Braille character, rows of blocks
// separated by newlines.
func (cv *lwCanvas) render() []byte {
	var out []byte
	for y := 0; y < cv.height; y += 4 {
		for x := 0; x < cv.width; x += 2 {
			b := 0
			for i, p := range [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}} {
				if cv.get(x+p[0], y+p[1]) {
					b |= 1 << i
				}
			}
			code := 0x2800 + b
			out = append(out, byte(0xE0|code>>12), byte(0x80|(code>>6)&0x3F), byte(0x80|code&0x3F))
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// skyline draws city skyscrapers on a white canvas: two rows of plain gray
// ones behind (the lighter further back), then black ones with lit windows.
func skyline(cols, rows int) *lwCanvas {
	cv := newCanvas(cols, rows, 3)
	for color := byte(2); color >= 1; color-- {
		for offset := -10; offset < cv.width; {
			offset += rand.IntN(8)
			width := 10 + rand.IntN(9)
			height := cv.height/2 + rand.IntN(cv.height)/2
			if color == 1 {
				height = cv.height/2 + rand.IntN(cv.height)/3
			}
			cv.skyscraper(offset, width, height, color, false)
			if color == 2 {
				offset += width / 2
			} else {
				offset += width + 1
			}
		}
	}
	for offset := -10; offset < cv.width; {
		offset += rand.IntN(8)
		width := 5 + rand.IntN(14)
		if width%4 != 0 {
			width += width % 3
		}
		height := cv.height/3 + rand.IntN(cv.height)/2
		cv.skyscraper(offset, width, height, 0, true)
		offset += width + 5
	}
	return cv
}

// skyscraper paints one building standing on the bottom row; its roof is
// four pixels narrower, and its windows (two pixels wide, one tall, away
// from the walls) are one of the grays the building is not.
func (cv *lwCanvas) skyscraper(xoff, width, height int, color byte, windows bool) {
	starty := cv.height - 1
	endy := starty - height + 1
	for y := starty; y >= endy; y-- {
		for x := xoff; x < xoff+width; x++ {
			if y == endy && (x <= xoff+1 || x >= xoff+width-2) {
				continue
			}
			c := color
			if windows && x > xoff+1 && x < xoff+width-2 && y > endy+1 && y < starty-1 {
				relx, rely := x-(xoff+1), y-(endy+1)
				if relx/2%2 != 0 && rely%2 != 0 {
					for c == color {
						c = byte(1 + rand.IntN(2))
					}
					if relx%2 != 0 {
						c = cv.color(x-1, y)
					}
				}
			}
			cv.paint(x, y, c)
		}
	}
}

// renderGray renders each pixel as a space on a terminal gray, foreground
// and background both set for the same result on every terminal.
func (cv *lwCanvas) renderGray() []byte {
	var out []byte
	for y := range cv.height {
		for x := range cv.width {
			esc := "0;30;40m" // black
			switch cv.color(x, y) {
			case 1:
				esc = "0;90;100m"
			case 2:
				esc = "0;37;47m"
			case 3:
				esc = "0;97;107m"
			}
			out = append(out, "\x1b["+esc+" \x1b[0m"...)
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}
