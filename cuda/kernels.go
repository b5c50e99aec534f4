package cuda

//go:generate ./kernels/build.sh

// kernelTable lists every kernel the backend launches, with the size of its argument struct
// in 8-byte words. The device looks each one up when it opens, and kernels_test.go checks the
// table against the PTX: the same names, and the same parameter sizes.
func kernelTable() map[string]int {
	t := map[string]int{
		"fill_b32":         fillArgsWords,
		"fill_b64":         fillArgsWords,
		"index_check":      indexCheckWords,
		"matmul_i64":       matmulArgsWords,
		"softmax_f32":      softmaxArgsWords,
		"softmax_f64":      softmaxArgsWords,
		"rnn_forward_f32":  rnnArgsWords,
		"rnn_forward_f64":  rnnArgsWords,
		"rnn_backward_f32": rnnArgsWords,
		"rnn_backward_f64": rnnArgsWords,
	}
	for _, a := range []string{"f32", "f64"} {
		t["optim_sgd_"+a] = sgdArgsWords
		t["optim_adam_"+a] = adamArgsWords
		t["optim_rmsprop_"+a] = rmspropArgsWords
		t["optim_adagrad_"+a] = adagradArgsWords
	}
	sfx := []string{"f32", "f64", "i64"}
	for _, a := range sfx {
		t["unary_"+a] = unaryArgsWords
		t["binary_"+a] = binaryArgsWords
		t["random_"+a] = randomArgsWords
		t["gather_"+a] = indexArgsWords
		t["scatter_"+a] = indexArgsWords
		for _, k := range []string{"thread", "block", "split", "finish"} {
			t["reduce_"+k+"_"+a] = reduceArgsWords
		}
		for _, b := range sfx {
			t["copy_"+a+"_"+b] = copyArgsWords
			t["where_"+a+"_"+b] = whereArgsWords
		}
	}
	return t
}
