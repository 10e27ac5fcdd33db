package policy

import (
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
)

const (
	defaultMaxCost   = 100000
	defaultCostLimit = 100000

	// Size bounds assumed by the load-time cost estimate.
	maxArgElems    = 10000   // elements of a list or map in args; also the bound for dyn values
	maxArgString   = 1 << 20 // bytes of a string or bytes value typed as such
	maxScriptField = 1024    // bytes of a script or call string field
	maxLabels      = 64      // entries of script.labels or usage.calls
	maxURLCost     = maxURLLen / 10
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
		usageCalls(),
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

// usageCalls makes usage.calls, read from a Usage that a Session prepared,
// return the CEL map the Session made once for the run's count map (which
// it reads live) instead of a new one at every read.
func usageCalls() cel.EnvOption {
	return func(e *cel.Env) (*cel.Env, error) {
		return cel.CustomTypeProvider(callsProvider{e.CELTypeProvider()})(e)
	}
}

type callsProvider struct{ types.Provider }

func (p callsProvider) FindStructFieldType(structType, fieldName string) (*types.FieldType, bool) {
	ft, ok := p.Provider.FindStructFieldType(structType, fieldName)
	if !ok || structType != "policy.Usage" || fieldName != "calls" {
		return ft, ok
	}
	get := ft.GetFrom
	nft := *ft
	nft.GetFrom = func(obj any) (any, error) {
		if u, ok := obj.(*Usage); ok && u.calls != nil {
			return u.calls, nil
		}
		return get(obj)
	}
	return &nft, true
}
