#!/bin/bash
nohup python -m SimpleHTTPServer 8888 >/dev/null 2>/dev/null &
