module github.com/stagecraft/stagecraft/examples/actions/go

go 1.24
