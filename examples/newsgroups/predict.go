package main

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/godl/godl/checkpoint"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/text/newsgroups"
)

// Prediction is a category and the probability the model gives it.
type Prediction struct {
	Category    string
	Probability float64
}

// Predictor classifies texts with a model saved by a training run.
type Predictor struct {
	Settings settings
	Feat     *Featurizer
	Model    Classifier
}

// LoadPredictor loads the model, vocabulary and settings saved in dir. A missing, corrupt or
// mismatched file gives an error that names it.
func LoadPredictor(dir string) (*Predictor, error) {
	s, err := readSettings(dir)
	if err != nil {
		return nil, err
	}
	v, err := loadVocab(dir)
	if err != nil {
		return nil, err
	}
	if v.Len() != s.VocabLen {
		return nil, fmt.Errorf("newsgroups: %s holds %d tokens but %s says %d: the files are of different runs",
			filepath.Join(dir, vocabFile), v.Len(), filepath.Join(dir, settingsFile), s.VocabLen)
	}
	feat := featurizerFor(s.Config, v)
	m, err := NewModel(s.Config, feat.IDsSize(), len(s.Categories), tensor.NewRNG(0), tensor.CPU)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, modelFile)
	if err := checkpoint.LoadModel(path, m, true); err != nil {
		return nil, fmt.Errorf("newsgroups: %s does not hold the %s model %s describes: %w", path, s.Config.Model, settingsFile, err)
	}
	nn.Eval(m)
	return &Predictor{Settings: s, Feat: feat, Model: m}, nil
}

// Predict returns every category with its probability for text, most probable first.
func (p *Predictor) Predict(text string) []Prediction {
	e := p.Feat.EncodeAll([]newsgroups.Document{{Text: text}})
	b := makeBatch(e, []int{0}, p.Settings.Config.Model == ModelBag, tensor.CPU)
	probs := p.Model.Forward(b, false).Data().Softmax(1).Float32s()
	out := make([]Prediction, len(probs))
	for i, q := range probs {
		out[i] = Prediction{p.Settings.Categories[i], float64(q)}
	}
	slices.SortStableFunc(out, func(a, b Prediction) int {
		switch {
		case a.Probability > b.Probability:
			return -1
		case a.Probability < b.Probability:
			return 1
		}
		return 0
	})
	return out
}

// readText returns the text of -predict: the argument itself, or stdin when it is "-".
func readText(arg string, stdin io.Reader) (string, error) {
	if arg != "-" {
		return arg, nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", fmt.Errorf("newsgroups: reading the text from stdin: %w", err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", fmt.Errorf("newsgroups: -predict - read no text from stdin")
	}
	return string(b), nil
}
