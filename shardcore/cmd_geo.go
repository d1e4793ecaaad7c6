package shardcore

import (
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/keeldb/keel/shardcore/resp"
	"github.com/keeldb/keel/shardcore/types"
)

// Geo commands store points in sorted sets, as Redis does: the score is a
// 52-bit interleaved geohash of (longitude, latitude), so the algorithms
// here follow Redis's geohash.c, geohash_helper.c and geo.c step by step
// to give the same scores, distances and result order.

func init() {
	gc := func(name string, arity int, flags Flags, since, summary string, keys func([][]byte) []int, fn func(*Ctx), multi func(*Multi)) *Command {
		cmd := &Command{Name: name, Arity: arity, Flags: flags, Group: "geo", Since: since, Summary: summary, Fn: fn, Multi: multi}
		if keys != nil {
			cmd.Keys = keys
		} else {
			cmd.FirstKey, cmd.LastKey = 1, 1
		}
		return cmd
	}
	register(
		gc("geoadd", -5, FlagWrite|FlagDenyOOM, "3.2.0", "Add one or more geospatial items in the geospatial index represented using a sorted set", nil, cmdGeoadd, nil),
		gc("geodist", -4, FlagReadonly, "3.2.0", "Returns the distance between two members of a geospatial index", nil, cmdGeodist, nil),
		gc("geohash", -2, FlagReadonly, "3.2.0", "Returns members of a geospatial index as standard geohash strings", nil, cmdGeohash, nil),
		gc("geopos", -2, FlagReadonly, "3.2.0", "Returns longitude and latitude of members of a geospatial index", nil, cmdGeopos, nil),
		gc("georadius", -6, FlagWrite|FlagDenyOOM, "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", geoStoreKeys(6), geoCmd(geoRadiusCoords), geoMulti(geoRadiusCoords)),
		gc("georadius_ro", -6, FlagReadonly, "3.2.10", "A read-only variant for GEORADIUS", nil, geoCmd(geoRadiusCoords|geoNoStore), nil),
		gc("georadiusbymember", -5, FlagWrite|FlagDenyOOM, "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", geoStoreKeys(5), geoCmd(geoRadiusMember), geoMulti(geoRadiusMember)),
		gc("georadiusbymember_ro", -5, FlagReadonly, "3.2.10", "A read-only variant for GEORADIUSBYMEMBER", nil, geoCmd(geoRadiusMember|geoNoStore), nil),
		gc("geosearch", -7, FlagReadonly, "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", nil, geoCmd(geoSearch), nil),
		&Command{Name: "geosearchstore", Arity: -8, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Group: "geo", Since: "6.2.0", Summary: "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", Fn: geoCmd(geoSearch | geoSearchStore), Multi: geoMulti(geoSearch | geoSearchStore)},
	)
}

// Redis's geohash constants.
const (
	geoStepMax     = 26
	geoLatMin      = -85.05112878
	geoLatMax      = 85.05112878
	geoLongMin     = -180.0
	geoLongMax     = 180.0
	earthRadiusM   = 6372797.560856
	mercatorMax    = 20037726.37
	geoAlphabet    = "0123456789bcdefghjkmnpqrstuvwxyz"
	errGeoDecode   = "ERR could not decode requested zset member"
	errGeoBadUnits = "ERR unsupported unit provided. please use M, KM, FT, MI"
)

// degToRad is Redis's D_R, M_PI / 180.0 evaluated in double precision
// (a Go constant expression would be computed exactly instead).
var degToRad = func() float64 { pi := math.Pi; return pi / 180.0 }()

type geoRange struct{ min, max float64 }

type geoBits struct {
	bits uint64
	step uint
}

type geoArea struct {
	hash      geoBits
	long, lat geoRange
}

func (h geoBits) zero() bool { return h.bits == 0 && h.step == 0 }

// interleave64 spreads x over the even bits and y over the odd ones.
func interleave64(x, y uint32) uint64 {
	spread := func(v uint64) uint64 {
		v = (v | v<<16) & 0x0000FFFF0000FFFF
		v = (v | v<<8) & 0x00FF00FF00FF00FF
		v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
		v = (v | v<<2) & 0x3333333333333333
		v = (v | v<<1) & 0x5555555555555555
		return v
	}
	return spread(uint64(x)) | spread(uint64(y))<<1
}

// deinterleave64 is the inverse: even bits in the low word, odd bits in
// the high word.
func deinterleave64(v uint64) uint64 {
	squash := func(x uint64) uint64 {
		x &= 0x5555555555555555
		x = (x | x>>1) & 0x3333333333333333
		x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
		x = (x | x>>4) & 0x00FF00FF00FF00FF
		x = (x | x>>8) & 0x0000FFFF0000FFFF
		x = (x | x>>16) & 0x00000000FFFFFFFF
		return x
	}
	return squash(v) | squash(v>>1)<<32
}

var (
	wgsLong = geoRange{geoLongMin, geoLongMax}
	wgsLat  = geoRange{geoLatMin, geoLatMax}
)

// geohashEncode is geohashEncode from geohash.c (ok=false out of range).
func geohashEncode(longR, latR geoRange, long, lat float64, step uint) (geoBits, bool) {
	if long > geoLongMax || long < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoBits{}, false
	}
	if lat < latR.min || lat > latR.max || long < longR.min || long > longR.max {
		return geoBits{}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	longOff := (long - longR.min) / (longR.max - longR.min)
	latOff *= float64(uint64(1) << step)
	longOff *= float64(uint64(1) << step)
	return geoBits{bits: interleave64(uint32(latOff), uint32(longOff)), step: step}, true
}

func geohashDecode(longR, latR geoRange, h geoBits) geoArea {
	sep := deinterleave64(h.bits)
	latScale := latR.max - latR.min
	longScale := longR.max - longR.min
	ilat := uint32(sep)
	ilong := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	return geoArea{
		hash: h,
		lat:  geoRange{latR.min + (float64(ilat)*1.0/div)*latScale, latR.min + ((float64(ilat)+1)*1.0/div)*latScale},
		long: geoRange{longR.min + (float64(ilong)*1.0/div)*longScale, longR.min + ((float64(ilong)+1)*1.0/div)*longScale},
	}
}

// decodeScore turns a sorted-set score into (longitude, latitude).
func decodeScore(score float64) (float64, float64) {
	a := geohashDecode(wgsLong, wgsLat, geoBits{bits: uint64(score), step: geoStepMax})
	x := min(max((a.long.min+a.long.max)/2, geoLongMin), geoLongMax)
	y := min(max((a.lat.min+a.lat.max)/2, geoLatMin), geoLatMax)
	return x, y
}

func geoScore(long, lat float64) float64 {
	h, _ := geohashEncode(wgsLong, wgsLat, long, lat, geoStepMax)
	return float64(h.bits << (52 - h.step*2))
}

func latDistance(lat1, lat2 float64) float64 {
	return earthRadiusM * math.Abs(lat2*degToRad-lat1*degToRad)
}

// geoDistance is the haversine distance in meters (geohashGetDistance).
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := lon1*degToRad, lon2*degToRad
	v := math.Sin((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := math.Sin((lat2r - lat1r) / 2)
	a := u*u + math.Cos(lat1r)*math.Cos(lat2r)*v*v
	return 2.0 * earthRadiusM * math.Asin(math.Sqrt(a))
}

// geoDistancePrecise is geoDistance with sin, cos and asin rounded
// correctly, as glibc's are in practice, for the values printed in full
// (STOREDIST scores); Go's math functions may be an ulp away.
func geoDistancePrecise(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := lon1*degToRad, lon2*degToRad
	v := preciseSin((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := preciseSin((lat2r - lat1r) / 2)
	a := u*u + preciseCos(lat1r)*preciseCos(lat2r)*v*v
	return 2.0 * earthRadiusM * preciseAsin(math.Sqrt(a))
}

const trigPrec = 160

// bigSinCos evaluates the Taylor series of sin (odd) or cos (even) at x
// (|x| <= 4 here) in 160-bit precision.
func bigSinCos(x *big.Float, odd bool) *big.Float {
	x2 := new(big.Float).SetPrec(trigPrec).Mul(x, x)
	term := new(big.Float).SetPrec(trigPrec).SetFloat64(1)
	n := int64(0)
	if odd {
		term.Set(x)
		n = 1
	}
	sum := new(big.Float).SetPrec(trigPrec).Set(term)
	eps := new(big.Float).SetMantExp(big.NewFloat(1), -150)
	tmp := new(big.Float).SetPrec(trigPrec)
	for i := 0; i < 200; i++ {
		term.Mul(term, x2)
		term.Quo(term, tmp.SetInt64(-(n+1)*(n+2)))
		n += 2
		sum.Add(sum, term)
		if new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
	}
	return sum
}

func preciseSin(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) > 4 {
		return math.Sin(x)
	}
	f, _ := bigSinCos(new(big.Float).SetPrec(trigPrec).SetFloat64(x), true).Float64()
	return f
}

func preciseCos(x float64) float64 {
	if math.IsNaN(x) || math.Abs(x) > 4 {
		return math.Cos(x)
	}
	f, _ := bigSinCos(new(big.Float).SetPrec(trigPrec).SetFloat64(x), false).Float64()
	return f
}

// preciseAsin refines math.Asin with Newton steps on sin in high precision.
func preciseAsin(x float64) float64 {
	if math.IsNaN(x) || x >= 1 || x <= -1 {
		return math.Asin(x)
	}
	xb := new(big.Float).SetPrec(trigPrec).SetFloat64(x)
	y := new(big.Float).SetPrec(trigPrec).SetFloat64(math.Asin(x))
	for i := 0; i < 3; i++ {
		diff := new(big.Float).SetPrec(trigPrec).Sub(bigSinCos(y, true), xb)
		diff.Quo(diff, bigSinCos(y, false))
		y.Sub(y, diff)
	}
	f, _ := y.Float64()
	return f
}

// geoShape is a search area: a circle (radius) or a box (width, height),
// in the unit given by conversion (meters per unit).
type geoShape struct {
	box           bool
	x, y          float64
	radius        float64
	width, height float64
	conversion    float64
}

// within reports whether the point is inside the shape and its distance.
func (s *geoShape) within(x, y float64) (float64, bool) {
	if !s.box {
		d := geoDistance(s.x, s.y, x, y)
		return d, d <= s.radius*s.conversion
	}
	w, h := s.width*s.conversion, s.height*s.conversion
	if latDistance(y, s.y) > h/2 {
		return 0, false
	}
	if geoDistance(x, y, s.x, y) > w/2 {
		return 0, false
	}
	return geoDistance(s.x, s.y, x, y), true
}

func estimateSteps(rangeM, lat float64) uint {
	if rangeM == 0 {
		return 26
	}
	step := 1
	for rangeM < mercatorMax {
		rangeM *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(min(max(step, 1), 26))
}

func moveX(h *geoBits, d int) {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - h.step*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= uint64(0xaaaaaaaaaaaaaaaa) >> (64 - h.step*2)
	h.bits = x | y
}

func moveY(h *geoBits, d int) {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - h.step*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= uint64(0x5555555555555555) >> (64 - h.step*2)
	h.bits = x | y
}

// Neighbour indexes, in the order Redis searches them.
const (
	nbCenter = iota
	nbNorth
	nbSouth
	nbEast
	nbWest
	nbNorthEast
	nbNorthWest
	nbSouthEast
	nbSouthWest
)

func neighbours(h geoBits) [9]geoBits {
	var n [9]geoBits
	for i := range n {
		n[i] = h
	}
	moveX(&n[nbEast], 1)
	moveX(&n[nbWest], -1)
	moveY(&n[nbSouth], -1)
	moveY(&n[nbNorth], 1)
	moveX(&n[nbNorthWest], -1)
	moveY(&n[nbNorthWest], 1)
	moveX(&n[nbSouthWest], -1)
	moveY(&n[nbSouthWest], -1)
	moveX(&n[nbNorthEast], 1)
	moveY(&n[nbNorthEast], 1)
	moveX(&n[nbSouthEast], 1)
	moveY(&n[nbSouthEast], -1)
	return n
}

// searchCells is geohashCalculateAreasByShapeWGS84: the cell holding the
// centre and its eight neighbours, useless ones zeroed.
func searchCells(s *geoShape) [9]geoBits {
	var height, width float64
	if s.box {
		height, width = s.conversion*s.height/2, s.conversion*s.width/2
	} else {
		height, width = s.conversion*s.radius, s.conversion*s.radius
	}
	latDelta := height / earthRadiusM / degToRad
	longDeltaTop := width / earthRadiusM / math.Cos((s.y+latDelta)*degToRad) / degToRad
	longDeltaBottom := width / earthRadiusM / math.Cos((s.y-latDelta)*degToRad) / degToRad
	var minLon, maxLon float64
	if s.y < 0 {
		minLon, maxLon = s.x-longDeltaBottom, s.x+longDeltaBottom
	} else {
		minLon, maxLon = s.x-longDeltaTop, s.x+longDeltaTop
	}
	minLat, maxLat := s.y-latDelta, s.y+latDelta

	radiusM := s.radius
	if s.box {
		radiusM = math.Sqrt((s.width/2)*(s.width/2) + (s.height/2)*(s.height/2))
	}
	radiusM *= s.conversion
	steps := estimateSteps(radiusM, s.y)
	hash, _ := geohashEncode(wgsLong, wgsLat, s.x, s.y, steps)
	nb := neighbours(hash)
	area := geohashDecode(wgsLong, wgsLat, hash)
	north := geohashDecode(wgsLong, wgsLat, nb[nbNorth])
	south := geohashDecode(wgsLong, wgsLat, nb[nbSouth])
	east := geohashDecode(wgsLong, wgsLat, nb[nbEast])
	west := geohashDecode(wgsLong, wgsLat, nb[nbWest])
	decrease := north.lat.max < maxLat || south.lat.min > minLat || east.long.max < maxLon || west.long.min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = geohashEncode(wgsLong, wgsLat, s.x, s.y, steps)
		nb = neighbours(hash)
		area = geohashDecode(wgsLong, wgsLat, hash)
	}
	if steps >= 2 {
		zero := func(idx ...int) {
			for _, i := range idx {
				nb[i] = geoBits{}
			}
		}
		if area.lat.min < minLat {
			zero(nbSouth, nbSouthWest, nbSouthEast)
		}
		if area.lat.max > maxLat {
			zero(nbNorth, nbNorthEast, nbNorthWest)
		}
		if area.long.min < minLon {
			zero(nbWest, nbSouthWest, nbNorthWest)
		}
		if area.long.max > maxLon {
			zero(nbEast, nbSouthEast, nbNorthEast)
		}
	}
	return nb
}

// geoPoint is one search hit.
type geoPoint struct {
	member     []byte
	score      float64
	dist, x, y float64
}

// geoMembersInShape is membersOfAllNeighbors: the members of each cell
// (by score range) that fall inside the shape, stopping at limit (0: none).
func geoMembersInShape(z *types.ZSet, s *geoShape, limit int) []geoPoint {
	cells := searchCells(s)
	var out []geoPoint
	last := -1
	for i, h := range cells {
		if h.zero() {
			continue
		}
		if last >= 0 && h == cells[last] {
			continue
		}
		if len(out) > 0 && limit > 0 && len(out) >= limit {
			break
		}
		lo := float64(h.bits << (52 - h.step*2))
		hi := float64((h.bits + 1) << (52 - h.step*2))
		from := z.ScoreRank(lo, false)
		to := z.ScoreRank(hi, false)
		if from < to {
			z.Range(from, false, func(m []byte, score float64) bool {
				x, y := decodeScore(score)
				if d, ok := s.within(x, y); ok {
					out = append(out, geoPoint{member: append([]byte(nil), m...), score: score, dist: d, x: x, y: y})
					if limit > 0 && len(out) >= limit {
						return false
					}
				}
				from++
				return from < to
			})
		}
		last = i
	}
	return out
}

// Argument parsing helpers.

func geoUnit(b []byte) (float64, bool) {
	switch {
	case strOptIs(b, "m"):
		return 1, true
	case strOptIs(b, "km"):
		return 1000, true
	case strOptIs(b, "ft"):
		return 0.3048, true
	case strOptIs(b, "mi"):
		return 1609.34, true
	}
	return 0, false
}

// geoLonLat parses a longitude, latitude pair; errMsg is set when invalid.
func geoLonLat(lon, lat []byte) (x, y float64, errMsg string) {
	var ok bool
	if x, ok = ParseFloat(lon); !ok {
		return 0, 0, errNotFloat
	}
	if y, ok = ParseFloat(lat); !ok {
		return 0, 0, errNotFloat
	}
	if x < geoLongMin || x > geoLongMax || y < geoLatMin || y > geoLatMax {
		return 0, 0, "ERR invalid longitude,latitude pair " + FormatCFloat(x) + "," + FormatCFloat(y)
	}
	return x, y, ""
}

func geoDistanceArg(args [][]byte) (radius, conv float64, errMsg string) {
	r, ok := ParseFloat(args[0])
	if !ok {
		return 0, 0, "ERR need numeric radius"
	}
	if r < 0 {
		return 0, 0, "ERR radius cannot be negative"
	}
	conv, ok = geoUnit(args[1])
	if !ok {
		return 0, 0, errGeoBadUnits
	}
	return r, conv, ""
}

func geoBoxArg(args [][]byte) (w, h, conv float64, errMsg string) {
	w, ok := ParseFloat(args[0])
	if !ok {
		return 0, 0, 0, "ERR need numeric width"
	}
	if h, ok = ParseFloat(args[1]); !ok {
		return 0, 0, 0, "ERR need numeric height"
	}
	if h < 0 || w < 0 {
		return 0, 0, 0, "ERR height or width cannot be negative"
	}
	if conv, ok = geoUnit(args[2]); !ok {
		return 0, 0, 0, errGeoBadUnits
	}
	return w, h, conv, ""
}

// appendHumanDouble formats as Redis's addReplyHumanLongDouble: 17
// decimals, trailing zeros trimmed.
func appendHumanDouble(dst []byte, f float64) []byte {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "-0" {
		s = "0"
	}
	return append(dst, s...)
}

func writeHumanDouble(w *resp.Writer, f float64) {
	var tmp [48]byte
	b := appendHumanDouble(tmp[:0], f)
	if w.Proto > 2 {
		w.Raw([]byte{','})
		w.Raw(b)
		w.Raw([]byte("\r\n"))
		return
	}
	w.Bulk(b)
}

func writeDistance(w *resp.Writer, d float64) {
	w.Bulk(strconv.AppendFloat(nil, d, 'f', 4, 64))
}

// GEOADD: ZADD with scores computed from the coordinates.
func cmdGeoadd(c *Ctx) {
	longIdx := 2
	nx, xx := false, false
	for ; longIdx < len(c.Args); longIdx++ {
		a := c.Args[longIdx]
		switch {
		case strOptIs(a, "nx"):
			nx = true
		case strOptIs(a, "xx"):
			xx = true
		case strOptIs(a, "ch"):
		default:
			goto parsed
		}
	}
parsed:
	if (len(c.Args)-longIdx)%3 != 0 || (nx && xx) {
		c.Error(errSyntax)
		return
	}
	n := (len(c.Args) - longIdx) / 3
	argv := make([][]byte, 0, longIdx+2*n)
	argv = append(argv, zsetZaddWord)
	argv = append(argv, c.Args[1:longIdx]...)
	for i := 0; i < n; i++ {
		p := longIdx + 3*i
		x, y, errMsg := geoLonLat(c.Args[p], c.Args[p+1])
		if errMsg != "" {
			c.Error(errMsg)
			return
		}
		argv = append(argv, strconv.AppendUint(nil, uint64(geoScore(x, y)), 10), c.Args[p+2])
	}
	orig := c.Args
	c.Args = argv
	before := c.dirty
	zaddGeneric(c, 0)
	c.Args = orig
	if c.dirty > before {
		c.Effect(argv...)
	}
}

func cmdGeodist(c *Ctx) {
	conv := 1.0
	if len(c.Args) == 5 {
		var ok bool
		if conv, ok = geoUnit(c.Args[4]); !ok {
			c.Error(errGeoBadUnits)
			return
		}
	} else if len(c.Args) > 5 {
		c.Error(errSyntax)
		return
	}
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	s1, ok1 := z.Score(c.Args[2])
	s2, ok2 := z.Score(c.Args[3])
	if !ok1 || !ok2 {
		c.W.Null()
		return
	}
	x1, y1 := decodeScore(s1)
	x2, y2 := decodeScore(s2)
	writeDistance(c.W, geoDistance(x1, y1, x2, y2)/conv)
}

func cmdGeohash(c *Ctx) {
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.Score(m)
		}
		if !found {
			c.W.Null()
			continue
		}
		x, y := decodeScore(s)
		h, _ := geohashEncode(geoRange{-180, 180}, geoRange{-90, 90}, x, y, geoStepMax)
		var buf [11]byte
		for i := range buf {
			idx := 0
			if i < 10 {
				idx = int(h.bits>>(52-(uint(i)+1)*5)) & 0x1f
			}
			buf[i] = geoAlphabet[idx]
		}
		c.W.Bulk(buf[:])
	}
}

func cmdGeopos(c *Ctx) {
	z, ok := lookupZSet(c, c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.Score(m)
		}
		if !found {
			c.W.NullArray()
			continue
		}
		x, y := decodeScore(s)
		c.W.Array(2)
		writeHumanDouble(c.W, x)
		writeHumanDouble(c.W, y)
	}
}

// Search flags, as geo.c's.
const (
	geoRadiusCoords = 1 << iota
	geoRadiusMember
	geoNoStore
	geoSearch
	geoSearchStore
)

// geoStoreKeys gives GEORADIUS[BYMEMBER]'s keys: the source and the
// STORE/STOREDIST destination.
func geoStoreKeys(base int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		pos := []int{1}
		for i := base; i+1 < len(args); i++ {
			if strOptIs(args[i], "store") || strOptIs(args[i], "storedist") {
				pos = append(pos, i+1)
				i++
			}
		}
		return pos
	}
}

// geoReq is a parsed search.
type geoReq struct {
	shape                  geoShape
	member                 []byte // centre given as a member
	withDist, withHash     bool
	withCoord, any         bool
	sort                   int // 0 none, 1 asc, 2 desc
	count                  int64
	storeKey               []byte
	storeDist              bool
	fromMember, fromLonLat bool
	byRadius, byBox        bool
}

// parseGeoSearch follows georadiusGeneric's argument handling. It needs
// the source set (nil when missing) for FROMMEMBER / BYMEMBER centres.
func parseGeoSearch(args [][]byte, flags int, z *types.ZSet) (geoReq, string) {
	var r geoReq
	var base int
	var errMsg string
	switch {
	case flags&geoRadiusCoords != 0:
		base = 6
		if r.shape.x, r.shape.y, errMsg = geoLonLat(args[2], args[3]); errMsg != "" {
			return r, errMsg
		}
		if r.shape.radius, r.shape.conversion, errMsg = geoDistanceArg(args[4:6]); errMsg != "" {
			return r, errMsg
		}
	case flags&geoRadiusMember != 0:
		base = 5
		if z != nil {
			s, ok := z.Score(args[2])
			if !ok {
				return r, errGeoDecode
			}
			r.shape.x, r.shape.y = decodeScore(s)
			if r.shape.radius, r.shape.conversion, errMsg = geoDistanceArg(args[3:5]); errMsg != "" {
				return r, errMsg
			}
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			r.storeKey = args[1]
		}
	}
	search := flags&geoSearch != 0
	canStore := flags&geoNoStore == 0 && !search
	for i := base; i < len(args); i++ {
		a := args[i]
		remaining := len(args) - i - 1
		switch {
		case strOptIs(a, "withdist"):
			r.withDist = true
		case strOptIs(a, "withhash"):
			r.withHash = true
		case strOptIs(a, "withcoord"):
			r.withCoord = true
		case strOptIs(a, "any"):
			r.any = true
		case strOptIs(a, "asc"):
			r.sort = 1
		case strOptIs(a, "desc"):
			r.sort = 2
		case strOptIs(a, "count") && remaining >= 1:
			n, ok := ParseInt(args[i+1])
			if !ok {
				return r, errNotInt
			}
			if n <= 0 {
				return r, "ERR COUNT must be > 0"
			}
			r.count = n
			i++
		case canStore && strOptIs(a, "store") && remaining >= 1:
			r.storeKey, r.storeDist = args[i+1], false
			i++
		case canStore && strOptIs(a, "storedist") && remaining >= 1:
			r.storeKey, r.storeDist = args[i+1], true
			i++
		case strOptIs(a, "storedist") && search && flags&geoSearchStore != 0:
			r.storeDist = true
		case strOptIs(a, "frommember") && remaining >= 1 && search && !r.fromLonLat:
			r.fromMember = true
			if z != nil {
				s, ok := z.Score(args[i+1])
				if !ok {
					return r, errGeoDecode
				}
				r.shape.x, r.shape.y = decodeScore(s)
			}
			i++
		case strOptIs(a, "fromlonlat") && remaining >= 2 && search && !r.fromMember:
			if r.shape.x, r.shape.y, errMsg = geoLonLat(args[i+1], args[i+2]); errMsg != "" {
				return r, errMsg
			}
			r.fromLonLat = true
			i += 2
		case strOptIs(a, "byradius") && remaining >= 2 && search && !r.byBox:
			if r.shape.radius, r.shape.conversion, errMsg = geoDistanceArg(args[i+1 : i+3]); errMsg != "" {
				return r, errMsg
			}
			r.shape.box = false
			r.byRadius = true
			i += 2
		case strOptIs(a, "bybox") && remaining >= 3 && search && !r.byRadius:
			if r.shape.width, r.shape.height, r.shape.conversion, errMsg = geoBoxArg(args[i+1 : i+4]); errMsg != "" {
				return r, errMsg
			}
			r.shape.box = true
			r.byBox = true
			i += 3
		default:
			return r, errSyntax
		}
	}
	if r.storeKey != nil && (r.withDist || r.withHash || r.withCoord) {
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		return r, "ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	}
	if search && !(r.fromMember || r.fromLonLat) {
		return r, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(args[0])
	}
	if search && !(r.byRadius || r.byBox) {
		return r, "ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(args[0])
	}
	if r.any && r.count == 0 {
		return r, "ERR the ANY argument requires COUNT argument"
	}
	return r, ""
}

// geoRun runs a search on the shard holding the source key. Errors and
// non-store replies go to c.W; for a store it returns the destination and
// the members to store there (with their scores) instead.
func geoRun(c *Ctx, args [][]byte, flags int) (dst []byte, items []zitem, storeIt bool) {
	srcIdx := 1
	if flags&geoSearchStore != 0 {
		srcIdx = 2
	}
	z, ok := lookupZSet(c, args[srcIdx], false)
	if !ok {
		return nil, nil, false
	}
	r, errMsg := parseGeoSearch(args, flags, z)
	if errMsg != "" {
		c.Error(errMsg)
		return nil, nil, false
	}
	if z == nil {
		if r.storeKey != nil {
			return r.storeKey, nil, true
		}
		c.W.Array(0)
		return nil, nil, false
	}
	if r.count != 0 && r.sort == 0 && !r.any {
		r.sort = 1
	}
	limit := 0
	if r.any {
		limit = int(min(r.count, math.MaxInt32))
	}
	pts := geoMembersInShape(z, &r.shape, limit)
	switch r.sort {
	case 1:
		slices.SortStableFunc(pts, func(a, b geoPoint) int { return cmpFloat(a.dist, b.dist) })
	case 2:
		slices.SortStableFunc(pts, func(a, b geoPoint) int { return cmpFloat(b.dist, a.dist) })
	}
	if r.count > 0 && int64(len(pts)) > r.count {
		pts = pts[:r.count]
	}
	if r.storeKey != nil {
		items = make([]zitem, len(pts))
		for i, p := range pts {
			s := p.score
			if r.storeDist {
				s = geoDistancePrecise(r.shape.x, r.shape.y, p.x, p.y) / r.shape.conversion
			}
			items[i] = zitem{p.member, s}
		}
		return r.storeKey, items, true
	}
	opts := 0
	for _, b := range []bool{r.withDist, r.withHash, r.withCoord} {
		if b {
			opts++
		}
	}
	c.W.Array(len(pts))
	for _, p := range pts {
		if opts > 0 {
			c.W.Array(opts + 1)
		}
		c.W.Bulk(p.member)
		if r.withDist {
			writeDistance(c.W, p.dist/r.shape.conversion)
		}
		if r.withHash {
			c.W.Int(int64(p.score))
		}
		if r.withCoord {
			c.W.Array(2)
			writeHumanDouble(c.W, p.x)
			writeHumanDouble(c.W, p.y)
		}
	}
	return nil, nil, false
}

func geoStoreEvent(flags int) string {
	if flags&geoSearch != 0 {
		return "geosearchstore"
	}
	return "georadiusstore"
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func geoCmd(flags int) func(c *Ctx) {
	return func(c *Ctx) {
		dst, items, storeIt := geoRun(c, c.Args, flags)
		if storeIt {
			c.W.Int(int64(storeZsetResult(c, dst, items, geoStoreEvent(flags))))
		}
	}
}

// geoMulti runs a storing search whose destination lives on another
// shard: the search runs on the source's shard, the store on the
// destination's.
func geoMulti(flags int) func(m *Multi) {
	return func(m *Multi) {
		srcIdx := 1
		if flags&geoSearchStore != 0 {
			srcIdx = 2
		}
		type result struct {
			dst     []byte
			items   []zitem
			storeIt bool
			reply   []byte
		}
		r := m.On(m.srv.shardOf(m.Args[srcIdx]), func(c *Ctx) any {
			var w resp.Writer
			w.Proto = c.W.Proto
			saved := c.W
			c.W = &w
			dst, items, storeIt := geoRun(c, m.Args, flags)
			c.W = saved
			return result{dst, items, storeIt, w.Bytes()}
		}).(result)
		if !r.storeIt {
			m.W.Raw(r.reply)
			return
		}
		n := m.On(m.srv.shardOf(r.dst), func(c *Ctx) any {
			return storeZsetResult(c, r.dst, r.items, geoStoreEvent(flags))
		}).(int)
		m.W.Int(int64(n))
	}
}
