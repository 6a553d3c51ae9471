#!/bin/bash -e

sudo systemctl stop docker
