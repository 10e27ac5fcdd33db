package lua

import (
	"sort"
	"strings"
)

func OpenTable(L *LState) int {
	tabmod := L.RegisterModule(TabLibName, tableFuncs)
	L.Push(tabmod)
	return 1
}

var tableFuncs = map[string]LGFunction{
	"getn":   tableGetN,
	"concat": tableConcat,
	"insert": tableInsert,
	"maxn":   tableMaxN,
	"remove": tableRemove,
	"sort":   tableSort,
}

func tableSort(L *LState) int {
	tbl := L.CheckTable(1)
	sorter := lValueArraySorter{L, nil, tbl.array}
	if L.GetTop() != 1 {
		sorter.Fn = L.CheckFunction(2)
	}
	sort.Sort(sorter)
	return 0
}

func tableGetN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).Len()))
	return 1
}

func tableMaxN(L *LState) int {
	L.Push(LNumber(L.CheckTable(1).MaxN()))
	return 1
}

func tableRemove(L *LState) int {
	tbl := L.CheckTable(1)
	if L.GetTop() == 1 {
		L.Push(tbl.Remove(-1))
	} else {
		pos := L.CheckInt(2)
		if n := len(tbl.array) - pos; n > 0 {
			L.ChargeSteps(n) // the shift
		}
		L.Push(tbl.Remove(pos))
	}
	return 1
}

func tableConcat(L *LState) int {
	tbl := L.CheckTable(1)
	sep := LString(L.OptString(2, ""))
	i := L.OptInt(3, 1)
	j := L.OptInt(4, tbl.Len())
	if L.GetTop() == 3 {
		if i > tbl.Len() || i < 1 {
			L.Push(emptyLString)
			return 1
		}
	}
	i = intMax(intMin(i, tbl.Len()), 1)
	j = intMin(intMin(j, tbl.Len()), tbl.Len())
	if i > j {
		L.Push(emptyLString)
		return 1
	}
	// Built in one pass (not on the registry, which a long table would
	// overflow), charged as it grows.
	var b strings.Builder
	for ; i <= j; i++ {
		v := tbl.RawGetInt(i)
		if !LVCanConvToString(v) {
			L.RaiseError("invalid value (%s) at index %d in table for concat", v.Type().String(), i)
		}
		s := LVAsString(v)
		n := len(s)
		if i != j {
			n += len(sep)
		}
		if b.Len()+n > MaxStringLen {
			L.RaiseError("string length overflow")
		}
		L.ChargeSteps(1)
		L.ChargeString(n)
		b.WriteString(s)
		if i != j {
			b.WriteString(string(sep))
		}
	}
	L.Push(LString(b.String()))
	return 1
}

func tableInsert(L *LState) int {
	tbl := L.CheckTable(1)
	nargs := L.GetTop()
	if nargs == 1 {
		L.RaiseError("wrong number of arguments")
	}

	if L.GetTop() == 2 {
		L.ChargeMemory(arraySlotBytes)
		tbl.Append(L.Get(2))
		return 0
	}
	pos := L.CheckInt(2)
	if n := len(tbl.array) - pos; n > 0 {
		L.ChargeSteps(n) // the shift
	}
	L.ChargeMemory(arraySlotBytes)
	tbl.Insert(pos, L.CheckAny(3))
	return 0
}

//
