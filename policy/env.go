package policy

import (
	"reflect"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"github.com/scriptrun/scriptrun/internal/urlx"
)

const (
	defaultMaxCost   = 100000
	defaultCostLimit = 100000

	// Size bounds assumed by the load-time cost estimate.
	maxArgElems    = 10000   // elements of a list or map in args; also the bound for dyn values
	maxArgString   = 1 << 20 // bytes of a string or bytes value typed as such
	maxScriptField = 1024    // bytes of a script or call string field
	maxLabels      = 64      // entries of script.labels or usage.calls
	maxURLCost     = urlx.MaxLen / 10
)

// newEnv builds the CEL environment shared by all expressions of a policy.
func newEnv() (*cel.Env, error) {
	str := cel.StringType
	return cel.NewEnv(
		ext.NativeTypes(
			reflect.TypeFor[Script](),
			reflect.TypeFor[Call](),
			reflect.TypeFor[Usage](),
			ext.ParseStructTags(true),
		),
		preparedFields(),
		cel.Variable("script", cel.ObjectType("policy.Script")),
		cel.Variable("call", cel.ObjectType("policy.Call")),
		cel.Variable("usage", cel.ObjectType("policy.Usage")),
		cel.Variable("args", cel.MapType(str, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
		ext.Strings(),
		ext.Encoders(),
		ext.Math(),
		ext.Lists(),
		ext.Sets(),
		cel.Function("url",
			cel.Overload("url_string", []*cel.Type{str}, cel.MapType(str, cel.DynType),
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					u, err := parseURL(string(v.(types.String)))
					if err != nil {
						return types.WrapErr(err)
					}
					return types.NewStringInterfaceMap(types.DefaultTypeAdapter, u.toMap())
				}))),
		cel.Function("ip",
			cel.Overload("ip_string", []*cel.Type{str}, str,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					a, err := parseIP(string(v.(types.String)))
					if err != nil {
						return types.WrapErr(err)
					}
					return types.String(a.String())
				}))),
		cel.Function("isIP",
			cel.Overload("isIP_string", []*cel.Type{str}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					_, err := parseIP(string(v.(types.String)))
					return types.Bool(err == nil)
				}))),
		cel.Function("isPrivateIP",
			cel.Overload("isPrivateIP_string", []*cel.Type{str}, cel.BoolType,
				cel.UnaryBinding(func(v ref.Val) ref.Val {
					ok, err := isPrivateIP(string(v.(types.String)))
					if err != nil {
						return types.WrapErr(err)
					}
					return types.Bool(ok)
				}))),
		cel.Function("inCIDR",
			cel.Overload("inCIDR_string_string", []*cel.Type{str, str}, cel.BoolType,
				cel.BinaryBinding(func(a, b ref.Val) ref.Val {
					ok, err := inCIDR(string(a.(types.String)), string(b.(types.String)))
					if err != nil {
						return types.WrapErr(err)
					}
					return types.Bool(ok)
				}))),
	)
}

// estimator bounds the sizes of inputs for the load-time cost estimate.
type estimator struct{}

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if n.ComputedSize() != nil {
		return nil
	}
	var root string
	if p := n.Path(); len(p) > 0 {
		root = p[0]
	}
	var max uint64
	switch n.Type().Kind() {
	case types.StringKind, types.BytesKind:
		max = maxArgString
		if root == "script" || root == "call" {
			max = maxScriptField
		}
	case types.ListKind, types.MapKind:
		max = maxArgElems
		if root == "script" || root == "usage" {
			max = maxLabels
		}
	case types.DynKind:
		max = maxArgElems
	default:
		return nil
	}
	return &cost.SizeEstimate{Min: 0, Max: max}
}

func (estimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	switch overloadID {
	case "url_string":
		return &cost.CallEstimate{
			CostEstimate: cost.Estimate{Min: 1, Max: maxURLCost},
			ResultSize:   &cost.SizeEstimate{Min: 5, Max: 5},
		}
	case "ip_string":
		return &cost.CallEstimate{CostEstimate: cost.Estimate{Min: 1, Max: 10}, ResultSize: &cost.SizeEstimate{Min: 2, Max: 64}}
	case "isIP_string", "isPrivateIP_string", "inCIDR_string_string":
		return &cost.CallEstimate{CostEstimate: cost.Estimate{Min: 1, Max: 10}}
	case overloads.BoolToString, overloads.IntToString, overloads.UintToString, overloads.DoubleToString,
		overloads.TimestampToString, overloads.DurationToString:
		// Short results; without this they would count as unknown-size strings.
		return &cost.CallEstimate{CostEstimate: cost.Estimate{Min: 1, Max: 1}, ResultSize: &cost.SizeEstimate{Min: 1, Max: 64}}
	}
	return nil
}

// sizeFree says whether the runtime cost of ast cannot reach half of
// costLimit whatever the sizes of its inputs: its estimate with every input
// size unknown (unbounded) is that small. Such an expression has no
// comprehension and calls only functions whose cost does not grow with
// their arguments (field and map access, map membership, arithmetic and
// comparison of numbers, size()); cel-go's estimator and runtime tracker
// charge these standard functions from one cost model, so the runtime cost
// limit could never stop it, and it is evaluated without the tracker,
// which costs about as much as the evaluation. Any size-dependent call
// (string operations, list membership, concatenation) makes the estimate
// unbounded, and the expression keeps the tracker.
func sizeFree(env *cel.Env, ast *cel.Ast, costLimit uint64) bool {
	est, err := env.EstimateCost(ast, unboundedEstimator{})
	return err == nil && est.Max <= costLimit/2
}

// unboundedEstimator is estimator without the size assumptions: every
// input's size is unknown.
type unboundedEstimator struct{ estimator }

func (unboundedEstimator) EstimateSize(cost.AstNode) *cost.SizeEstimate { return nil }

// preparedFields makes the fields that a Session prepares for a run read
// what it made once: script's and call's strings as CEL strings, and
// usage.calls as one CEL map over the run's count map (which it reads
// live). Without them each read boxes a new string or wraps the map anew.
// A value the Session did not prepare reads as before.
func preparedFields() cel.EnvOption {
	return func(e *cel.Env) (*cel.Env, error) {
		return cel.CustomTypeProvider(fieldsProvider{e.CELTypeProvider()})(e)
	}
}

type fieldsProvider struct{ types.Provider }

var (
	scriptFields = map[string]int{"name": 0, "lang": 1, "sha256": 2, "tenant": 3}
	callFields   = map[string]int{"name": 0, "module": 1, "function": 2}
)

func (p fieldsProvider) FindStructFieldType(structType, fieldName string) (*types.FieldType, bool) {
	ft, ok := p.Provider.FindStructFieldType(structType, fieldName)
	if !ok {
		return ft, ok
	}
	get := ft.GetFrom
	nft := *ft
	switch {
	case structType == "policy.Usage" && fieldName == "calls":
		nft.GetFrom = func(obj any) (any, error) {
			if u, ok := obj.(*Usage); ok && u.calls != nil {
				return u.calls, nil
			}
			return get(obj)
		}
	case structType == "policy.Script" && hasField(scriptFields, fieldName):
		i := scriptFields[fieldName]
		nft.GetFrom = func(obj any) (any, error) {
			if s, ok := obj.(*Script); ok && s.vals != nil {
				return s.vals[i], nil
			}
			return get(obj)
		}
	case structType == "policy.Call" && hasField(callFields, fieldName):
		i := callFields[fieldName]
		nft.GetFrom = func(obj any) (any, error) {
			if c, ok := obj.(*Call); ok && c.vals != nil {
				return c.vals[i], nil
			}
			return get(obj)
		}
	default:
		return ft, ok
	}
	return &nft, true
}

func hasField(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// sizeLadder are the input-size bounds tried for an expression's
// size-bounded fast path, largest first (see fastBelow).
var sizeLadder = [...]uint64{1 << 20, 1 << 16, 1 << 12, 1 << 8}

// fastBelow returns the largest bound n of sizeLadder such that the
// runtime cost of ast cannot reach half of costLimit while every string,
// bytes, list and map it reads (at any depth) has a size up to n, or 0. It
// requires an expression without a comprehension that calls only the CEL
// standard library and the functions of this package: for those, cel-go's
// estimator and runtime tracker charge from one cost model whose formulas
// grow with the sizes, so the estimate with sizes up to n bounds the
// tracked cost of any such input. (cel-go's own tests list the known
// estimate/tracker mismatches, all in extension libraries.)
func fastBelow(env *cel.Env, ast *cel.Ast, costLimit uint64) uint64 {
	for _, refs := range ast.NativeRep().ReferenceMap() {
		for _, id := range refs.OverloadIDs {
			if !standardOverloads()[id] && !ownOverloads[id] {
				return 0
			}
		}
	}
	for _, n := range sizeLadder {
		if est, err := env.EstimateCost(ast, sizedEstimator{n}); err == nil && est.Max <= costLimit/2 {
			return n
		}
	}
	return 0
}

var ownOverloads = map[string]bool{"url_string": true, "ip_string": true, "isIP_string": true,
	"isPrivateIP_string": true, "inCIDR_string_string": true}

// standardOverloads is the set of overload IDs of the CEL standard
// library (an environment without extensions). It never changes.
var standardOverloads = sync.OnceValue(func() map[string]bool {
	ids := map[string]bool{}
	env, err := cel.NewEnv()
	if err != nil {
		return ids // nothing is standard: no fast path
	}
	for _, fn := range env.Functions() {
		for _, o := range fn.OverloadDecls() {
			ids[o.ID()] = true
		}
	}
	return ids
})

// sizedEstimator bounds the size of every string, bytes, list, map and dyn
// value read from a variable by n.
type sizedEstimator struct{ n uint64 }

func (e sizedEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if n.ComputedSize() != nil {
		return nil
	}
	switch n.Type().Kind() {
	case types.StringKind, types.BytesKind, types.ListKind, types.MapKind, types.DynKind:
		return &cost.SizeEstimate{Min: 0, Max: e.n}
	}
	return nil
}

func (sizedEstimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return estimator{}.EstimateCallCost(function, overloadID, target, args)
}
