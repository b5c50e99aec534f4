package main

import (
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot files in the output folder.
const (
	lossPlot      = "loss.png"
	accuracyPlot  = "accuracy.png"
	confusionPlot = "confusion.png"
)

// WritePlots draws the loss and accuracy curves and the confusion matrix as PNG files in dir.
func (rep Report) WritePlots(dir string) error {
	n := len(rep.Epochs)
	train, test, acc := make(plotter.XYs, n), make(plotter.XYs, n), make(plotter.XYs, n)
	for i, e := range rep.Epochs {
		x := float64(e.Epoch)
		train[i] = plotter.XY{X: x, Y: e.TrainLoss}
		test[i] = plotter.XY{X: x, Y: e.TestLoss}
		acc[i] = plotter.XY{X: x, Y: 100 * e.TestAccuracy}
	}
	title := fmt.Sprintf("20 Newsgroups, %s model", rep.Settings.Config.Model)
	if rep.Settings.Config.Remove {
		title += ", headers/footers/quotes removed"
	}

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "cross-entropy"
	p.Y.Min = 0
	if err := addLine(p, train, "train loss", 0); err != nil {
		return err
	}
	if err := addLine(p, test, "test loss", 1); err != nil {
		return err
	}
	p.Legend.Top = true
	if err := p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, lossPlot)); err != nil {
		return fmt.Errorf("newsgroups: %w", err)
	}

	p = plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "test accuracy (%)"
	p.Y.Min, p.Y.Max = 0, 100
	if err := addLine(p, acc, "test accuracy", 2); err != nil {
		return err
	}
	p.Legend.Top = true
	p.Legend.Left = true
	if err := p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, accuracyPlot)); err != nil {
		return fmt.Errorf("newsgroups: %w", err)
	}
	return rep.plotConfusion(filepath.Join(dir, confusionPlot))
}

func addLine(p *plot.Plot, xy plotter.XYs, name string, i int) error {
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return fmt.Errorf("newsgroups: %w", err)
	}
	colors := [...]draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}}
	c := plotter.DefaultLineStyle.Color
	switch i {
	case 1:
		c = plotColor(0xd6, 0x27, 0x28)
	case 2:
		c = plotColor(0x2c, 0xa0, 0x2c)
	default:
		c = plotColor(0x1f, 0x77, 0xb4)
	}
	l.Color, pts.Color, pts.Shape = c, c, colors[i%len(colors)]
	p.Add(l, pts)
	p.Legend.Add(name, l, pts)
	return nil
}

// confusionGrid is the confusion matrix, rows normalized, as a heat map's grid: x is the
// predicted category, y the true one (the first at the top).
type confusionGrid [][]float64

func (g confusionGrid) Dims() (c, r int)   { return len(g), len(g) }
func (g confusionGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }

func (rep Report) plotConfusion(path string) error {
	k := len(rep.Confusion)
	g := make(confusionGrid, k)
	for i, row := range rep.Confusion {
		g[i] = make([]float64, k)
		n := 0
		for _, v := range row {
			n += v
		}
		for j, v := range row {
			if n > 0 {
				g[i][j] = float64(v) / float64(n)
			}
		}
	}
	pal := moreland.SmoothBlueRed().Palette(64)
	h := plotter.NewHeatMap(g, pal)
	h.Min, h.Max = 0, 1
	p := plot.New()
	p.Title.Text = fmt.Sprintf("confusion matrix (rows: true, normalized), accuracy %.1f%%", 100*rep.Accuracy)
	p.X.Label.Text = "predicted category"
	p.Add(h)
	xt, yt := make([]plot.Tick, k), make([]plot.Tick, k)
	for i := range k {
		xt[i] = plot.Tick{Value: float64(i), Label: fmt.Sprint(i)}
		yt[i] = plot.Tick{Value: float64(k - 1 - i), Label: fmt.Sprintf("%s %2d", rep.Settings.Categories[i], i)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Tick.Label.Font.Size = vg.Points(7)
	p.Y.Tick.Label.Font.Size = vg.Points(7)
	if err := p.Save(7*vg.Inch, 6*vg.Inch, path); err != nil {
		return fmt.Errorf("newsgroups: %w", err)
	}
	return nil
}

func plotColor(r, g, b uint8) color.Color { return color.RGBA{R: r, G: g, B: b, A: 255} }
