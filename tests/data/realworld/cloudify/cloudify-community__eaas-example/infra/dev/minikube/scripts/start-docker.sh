#!/bin/bash -e

sudo systemctl start docker
